// Failure paths the anchors' suites cover (ton-blockchain/payment-channels,
// COCOON's contract tests) that the other files here do not: wrong sender and
// wrong state for every message, withdrawing while closing, too-late
// challenges, stale states replayed by another route. docs/contracts.md has the
// table of categories with counts.
import {toNano} from '@ton/core';
import type {Blockchain} from '@ton/sandbox';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {signCloseAgreement} from '../../src/chain/contracts/channel-codec.js';
import {ChannelOp, ExitCode} from '../../src/chain/contracts/constants.js';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {channelWorld, registryWorld, T0, type ChannelWorld} from './fixtures.js';
import {registerWith} from './registry-fixtures.js';

describe('channel parity', () => {
  let w: ChannelWorld;
  let snapshot: ReturnType<Blockchain['snapshot']>;
  beforeAll(async () => {
    w = await channelWorld();
    await w.channel.sendOpen(w.consumer.getSender(), {value: toNano('10')});
    snapshot = w.blockchain.snapshot();
  });
  beforeEach(async () => {
    await w.blockchain.loadFrom(snapshot);
    w.blockchain.now = T0;
  });
  const v = (amount: bigint) => ({amount, signature: signVoucher({channel: w.channel.address, amount}, w.keys.secretKey)});

  it('an external claim pushed by a stranger pays the provider, never the pusher', async () => {
    const r = await w.channel.sendExternalClaim(v(toNano('1')));
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.provider.address, op: ChannelOp.ExternalPayout});
    expect(r.transactions.filter((t) => t.inMessage?.info.src?.toString() === w.channel.address.toString()).length).toBe(1);
  });

  it('an older voucher replayed as an external after a newer wallet claim is refused before ACCEPT', async () => {
    const older = v(toNano('1'));
    await w.channel.sendClaim(w.provider.getSender(), {value: toNano('0.01'), ...v(toNano('2'))});
    const balance = await w.channel.getBalance();
    await expect(w.channel.sendExternalClaim(older)).rejects.toMatchObject({exitCode: ExitCode.STALE_VOUCHER});
    expect(await w.channel.getBalance()).toBe(balance);
  });

  it('challenge too late: an external claim after the unlock time is refused before ACCEPT', async () => {
    await w.channel.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')});
    w.blockchain.now = T0 + w.closeDelay - 1;
    await w.channel.sendExternalClaim(v(toNano('1')));
    w.blockchain.now = T0 + w.closeDelay;
    await expect(w.channel.sendExternalClaim(v(toNano('2')))).rejects.toMatchObject({exitCode: ExitCode.CHANNEL_CLOSED});
  });

  it('withdraw while closing: the consumer waits for the unlock, a cooperative close ends it early with the exact refund', async () => {
    await w.channel.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')});
    let r = await w.channel.sendFinishClose(w.provider.getSender(), {value: toNano('0.02')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.CLOSE_NOT_READY});
    const st = await w.channel.getState();
    const amount = toNano('3');
    r = await w.channel.sendCooperativeClose(w.provider.getSender(), {value: toNano('0.02'), amount, signature: signCloseAgreement({channel: w.channel.address, amount}, w.keys.secretKey)});
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.consumer.address, op: ChannelOp.ChannelRefund, value: (x) => x! >= st.deposited - amount});
    expect(await w.channel.getState()).toMatchObject({state: 'closed', paid: amount});
  });

  it('re-open and top-up by anyone but the consumer are refused, in every state', async () => {
    let r = await w.channel.sendOpen(w.stranger.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_CONSUMER});
    await w.channel.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')});
    w.blockchain.now = T0 + w.closeDelay;
    await w.channel.sendFinishClose(w.consumer.getSender(), {value: toNano('0.02')});
    r = await w.channel.sendOpen(w.provider.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_CONSUMER});
    r = await w.channel.sendTopUp(w.consumer.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_OPEN});
  });
});

describe('registry parity', () => {
  it('every record message from a wallet that does not own the record is refused', async () => {
    const w = await registryWorld();
    const {profile} = await registerWith(w.registry, w.alice);
    const nodeKey = profile.nodeKey;
    const opts = {value: toNano('0.05'), nodeKey};
    for (const send of [
      () => w.registry.sendUnregister(w.bob.getSender(), opts),
      () => w.registry.sendWithdraw(w.bob.getSender(), opts),
      () => w.registry.sendTopUp(w.bob.getSender(), opts),
      () => w.registry.sendUpdate(w.bob.getSender(), {value: toNano('0.05'), profile}),
    ]) {
      const r = await send();
      expect(r.transactions).toHaveTransaction({from: w.bob.address, to: w.registry.address, success: false, exitCode: ExitCode.NOT_RECORD_OWNER});
    }
  });

  it('wrong state: no update or top-up while unbonding; pay_rent and evict on an unknown node are refused', async () => {
    const w = await registryWorld();
    const {profile} = await registerWith(w.registry, w.alice);
    await w.registry.sendUnregister(w.alice.getSender(), {value: toNano('0.05'), nodeKey: profile.nodeKey});
    let r = await w.registry.sendUpdate(w.alice.getSender(), {value: toNano('0.05'), profile});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_ACTIVE});
    const unknown = Buffer.alloc(32, 7);
    r = await w.registry.sendPayRent(w.bob.getSender(), {value: toNano('0.05'), nodeKey: unknown});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_REGISTERED});
    r = await w.registry.sendEvict(w.bob.getSender(), {value: toNano('0.05'), nodeKey: unknown});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_REGISTERED});
  });

  it('a heartbeat below the gas fee is refused, and one that would prepay over ten years bounces', async () => {
    const w = await registryWorld();
    const {profile} = await registerWith(w.registry, w.alice);
    let r = await w.registry.sendPayRent(w.bob.getSender(), {value: toNano('0.003'), nodeKey: profile.nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.VALUE_TOO_LOW});
    r = await w.registry.sendPayRent(w.bob.getSender(), {value: toNano('50'), nodeKey: profile.nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.RENT_TOO_HIGH});
    expect(r.transactions).toHaveTransaction({from: w.registry.address, to: w.bob.address, inMessageBounced: true});
  });
});
