import {beginCell, toNano} from '@ton/core';
import {internal, type Blockchain} from '@ton/sandbox';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {Channel} from '../../src/chain/contracts/channel.js';
import {signCloseAgreement} from '../../src/chain/contracts/channel-codec.js';
import {ChannelConst, ChannelOp, ExitCode} from '../../src/chain/contracts/constants.js';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {channelWorld, feeFor, keyPair, T0, type ChannelWorld} from './fixtures.js';

const CLAIM_VALUE = toNano('0.01');
const SMALL = toNano('0.02');

describe('payment channel', () => {
  let w: ChannelWorld;
  let snapshot: ReturnType<Blockchain['snapshot']>;
  let openDeposit: bigint;

  // One opened channel (10 TON) shared as a snapshot; each test starts from it.
  beforeAll(async () => {
    w = await channelWorld();
    const r = await w.channel.sendOpen(w.consumer.getSender(), {value: toNano('10')});
    expect(r.transactions).toHaveTransaction({from: w.consumer.address, to: w.channel.address, deploy: true, success: true});
    openDeposit = toNano('10') - feeFor(w.blockchain, ChannelConst.GAS_OPEN) - BigInt(ChannelConst.STORAGE_RESERVE);
    snapshot = w.blockchain.snapshot();
  });

  beforeEach(async () => {
    await w.blockchain.loadFrom(snapshot);
  });

  const voucher = (amount: bigint, secret = w.keys.secretKey, channel = w.channel.address) => ({
    amount,
    signature: signVoucher({channel, amount}, secret),
  });
  const claim = (amount: bigint, opts: {secret?: Buffer; from?: typeof w.provider} = {}) =>
    w.channel.sendClaim((opts.from ?? w.provider).getSender(), {value: CLAIM_VALUE, ...voucher(amount, opts.secret)});

  it('opens with a deposit: value less gas fee and storage reserve, and exposes its state', async () => {
    const st = await w.channel.getState();
    expect(st).toMatchObject({state: 'open', epoch: 1, globalId: -239, deposited: openDeposit, paid: 0n, unlockAt: 0, closeDelay: 3600});
    expect(st.consumer.equals(w.consumer.address) && st.provider.equals(w.provider.address)).toBe(true);
    expect(st.consumerKey.equals(w.keys.publicKey)).toBe(true);
  });

  it('refuses an open by anyone but the consumer, and a second open', async () => {
    const fresh = w.blockchain.openContract(
      Channel.createFromConfig({consumer: w.consumer.address, provider: w.provider.address, consumerKey: keyPair().publicKey, closeDelay: 60}),
    );
    let r = await fresh.sendOpen(w.stranger.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({from: w.stranger.address, to: fresh.address, success: false, exitCode: ExitCode.NOT_CONSUMER});
    expect(r.transactions).toHaveTransaction({from: fresh.address, to: w.stranger.address, inMessageBounced: true});
    r = await w.channel.sendOpen(w.consumer.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.ALREADY_OPEN});
  });

  it('refuses an open whose value does not cover gas and reserve', async () => {
    const fresh = w.blockchain.openContract(
      Channel.createFromConfig({consumer: w.consumer.address, provider: w.provider.address, consumerKey: keyPair().publicKey, closeDelay: 60}),
    );
    const r = await fresh.sendOpen(w.consumer.getSender(), {value: BigInt(ChannelConst.STORAGE_RESERVE)});
    expect(r.transactions).toHaveTransaction({to: fresh.address, success: false, exitCode: ExitCode.VALUE_TOO_LOW});
  });

  it('tops up (consumer only)', async () => {
    let r = await w.channel.sendTopUp(w.consumer.getSender(), {value: toNano('2')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: true, op: ChannelOp.TopUpChannel});
    expect((await w.channel.getState()).deposited).toBe(openDeposit + toNano('2') - feeFor(w.blockchain, ChannelConst.GAS_TOPUP));
    r = await w.channel.sendTopUp(w.stranger.getSender(), {value: toNano('2')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_CONSUMER});
  });

  it('pays the difference of each newer voucher to the provider', async () => {
    let r = await claim(toNano('1'));
    expect(r.transactions).toHaveTransaction({from: w.provider.address, to: w.channel.address, success: true});
    expect(r.transactions).toHaveTransaction({
      from: w.channel.address,
      to: w.provider.address,
      op: ChannelOp.ChannelPayout,
      inMessageBounceable: false,
      value: (v) => v! > toNano('1') && v! < toNano('1') + CLAIM_VALUE,
    });
    r = await claim(toNano('1.5'));
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.provider.address, value: (v) => v! > toNano('0.5') && v! < toNano('0.5') + CLAIM_VALUE});
    expect((await w.channel.getState()).paid).toBe(toNano('1.5'));
  });

  it('refuses a replayed or lower voucher', async () => {
    await claim(toNano('2'));
    let r = await claim(toNano('2'));
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.STALE_VOUCHER});
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.provider.address, inMessageBounced: true});
    r = await claim(toNano('1'));
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.STALE_VOUCHER});
  });

  it('refuses a voucher signed by another key', async () => {
    const r = await claim(toNano('1'), {secret: keyPair().secretKey});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.BAD_SIGNATURE});
  });

  it('refuses a voucher made for another channel', async () => {
    const other = Channel.createFromConfig({consumer: w.consumer.address, provider: w.provider.address, consumerKey: w.keys.publicKey, closeDelay: 60});
    const r = await w.channel.sendClaim(w.provider.getSender(), {value: CLAIM_VALUE, ...voucher(toNano('1'), w.keys.secretKey, other.address)});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.BAD_SIGNATURE});
  });

  it('refuses a cooperative-close signature used as a voucher', async () => {
    const signature = signCloseAgreement({channel: w.channel.address, amount: toNano('1')}, w.keys.secretKey);
    const r = await w.channel.sendClaim(w.provider.getSender(), {value: CLAIM_VALUE, amount: toNano('1'), signature});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.BAD_SIGNATURE});
  });

  it('pays an external claim (no wallet), the cost taken from the payout', async () => {
    const r = await w.channel.sendExternalClaim(voucher(toNano('1')));
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: true});
    const cost = feeFor(w.blockchain, ChannelConst.GAS_CLAIM_EXTERNAL);
    expect(r.transactions).toHaveTransaction({
      from: w.channel.address,
      to: w.provider.address,
      op: ChannelOp.ExternalPayout,
      value: (v) => v! < toNano('1') - cost && v! > toNano('1') - cost - toNano('0.002'),
    });
    expect((await w.channel.getState()).paid).toBe(toNano('1'));
    // The channel keeps at least what it owes the consumer: the claim's cost came out of the payout.
    expect(await w.channel.getBalance()).toBeGreaterThanOrEqual(openDeposit - toNano('1') + BigInt(ChannelConst.STORAGE_RESERVE) - toNano('0.001'));
  });

  it('refuses (does not even accept) a stale, forged or dust external claim', async () => {
    await w.channel.sendExternalClaim(voucher(toNano('1')));
    const balance = await w.channel.getBalance();
    await expect(w.channel.sendExternalClaim(voucher(toNano('1')))).rejects.toMatchObject({exitCode: ExitCode.STALE_VOUCHER});
    await expect(w.channel.sendExternalClaim(voucher(toNano('2'), keyPair().secretKey))).rejects.toMatchObject({exitCode: ExitCode.BAD_SIGNATURE});
    await expect(w.channel.sendExternalClaim(voucher(toNano('1') + 1000n))).rejects.toMatchObject({exitCode: ExitCode.VALUE_TOO_LOW});
    expect(await w.channel.getBalance()).toBe(balance);
  });

  it('pays a voucher above the deposit up to the deposit, and the rest after a top-up', async () => {
    const amount = openDeposit + toNano('1');
    let r = await claim(amount);
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: true});
    expect((await w.channel.getState()).paid).toBe(openDeposit);
    // Fully paid up to the deposit: the same voucher is stale until the consumer tops up.
    r = await claim(amount);
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.STALE_VOUCHER});
    await w.channel.sendTopUp(w.consumer.getSender(), {value: toNano('2')});
    r = await claim(amount);
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.provider.address, value: (v) => v! > toNano('1')});
    expect((await w.channel.getState()).paid).toBe(amount);
  });

  it('refuses a claim from anyone but the provider', async () => {
    const r = await claim(toNano('1'), {from: w.stranger});
    expect(r.transactions).toHaveTransaction({from: w.stranger.address, to: w.channel.address, success: false, exitCode: ExitCode.NOT_PROVIDER});
  });

  it('refuses a claim that does not pay for its own gas', async () => {
    const r = await w.channel.sendClaim(w.provider.getSender(), {value: feeFor(w.blockchain, ChannelConst.GAS_CLAIM) - 1n, ...voucher(toNano('1'))});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.VALUE_TOO_LOW});
  });

  it('closes: the provider claims until the unlock time, then finish refunds the rest to the consumer', async () => {
    await claim(toNano('1'));
    let r = await w.channel.sendStartClose(w.stranger.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_CONSUMER});
    r = await w.channel.sendStartClose(w.consumer.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: true, outMessagesCount: 0});
    expect(await w.channel.getState()).toMatchObject({state: 'closing', unlockAt: T0 + 3600});
    // Close twice.
    r = await w.channel.sendStartClose(w.consumer.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.ALREADY_CLOSING});
    // No top-up while closing; finish too early.
    r = await w.channel.sendTopUp(w.consumer.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_OPEN});
    r = await w.channel.sendFinishClose(w.consumer.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.CLOSE_NOT_READY});
    // The provider can still claim inside the window.
    w.blockchain.now = T0 + 3599;
    r = await claim(toNano('3'));
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: true});
    // After the unlock time: no more claims.
    w.blockchain.now = T0 + 3600;
    r = await claim(toNano('4'));
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.CHANNEL_CLOSED});
    r = await w.channel.sendFinishClose(w.stranger.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_PARTY});
    const balance = await w.channel.getBalance();
    r = await w.channel.sendFinishClose(w.consumer.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({
      from: w.channel.address,
      to: w.consumer.address,
      op: ChannelOp.ChannelRefund,
      value: (v) => v! > balance - toNano('0.01') && v! <= balance + SMALL,
    });
    expect(await w.channel.getBalance()).toBe(0n);
    expect(await w.channel.getState()).toMatchObject({state: 'closed', paid: toNano('3'), deposited: toNano('3')});
    // Claim after close, close after close.
    r = await claim(toNano('5'));
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.CHANNEL_CLOSED});
    r = await w.channel.sendStartClose(w.consumer.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_OPEN});
    r = await w.channel.sendFinishClose(w.consumer.getSender(), {value: SMALL});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_CLOSING});
  });

  it('re-opens a closed channel as a new life: epoch + 1, paid from 0, earlier vouchers dead', async () => {
    await claim(toNano('2'));
    await w.channel.sendStartClose(w.consumer.getSender(), {value: SMALL});
    w.blockchain.now = T0 + 3600;
    await w.channel.sendFinishClose(w.consumer.getSender(), {value: SMALL});
    const r = await w.channel.sendOpen(w.consumer.getSender(), {value: toNano('5')});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: true});
    const st = await w.channel.getState();
    expect(st).toMatchObject({state: 'open', epoch: 2, paid: 0n});
    // Life 1's voucher (epoch 1) no longer verifies; life 2's does.
    let c = await claim(toNano('3'));
    expect(c.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.BAD_SIGNATURE});
    c = await w.channel.sendClaim(w.provider.getSender(), {value: CLAIM_VALUE, amount: toNano('1'), signature: signVoucher({channel: w.channel.address, amount: toNano('1'), epoch: 2}, w.keys.secretKey)});
    expect(c.transactions).toHaveTransaction({to: w.channel.address, success: true});
    expect((await w.channel.getState()).paid).toBe(toNano('1'));
  });

  it('closes cooperatively at once with the consumer signature sent by the provider', async () => {
    await claim(toNano('1'));
    const amount = toNano('2.5');
    const signature = signCloseAgreement({channel: w.channel.address, amount}, w.keys.secretKey);
    // The consumer cannot submit it (the provider's wallet is its half of the agreement).
    let r = await w.channel.sendCooperativeClose(w.consumer.getSender(), {value: SMALL, amount, signature});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.NOT_PROVIDER});
    // A voucher signature is not a close agreement.
    r = await w.channel.sendCooperativeClose(w.provider.getSender(), {value: SMALL, ...voucher(amount)});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.BAD_SIGNATURE});
    r = await w.channel.sendCooperativeClose(w.provider.getSender(), {value: SMALL, amount: openDeposit + 1n, signature: signCloseAgreement({channel: w.channel.address, amount: openDeposit + 1n}, w.keys.secretKey)});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.ABOVE_DEPOSIT});
    r = await w.channel.sendCooperativeClose(w.provider.getSender(), {value: SMALL, amount: toNano('0.5'), signature: signCloseAgreement({channel: w.channel.address, amount: toNano('0.5')}, w.keys.secretKey)});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.STALE_VOUCHER});
    r = await w.channel.sendCooperativeClose(w.provider.getSender(), {value: SMALL, amount, signature});
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.provider.address, op: ChannelOp.ChannelPayout, value: (v) => v! >= toNano('1.5')});
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.consumer.address, op: ChannelOp.ChannelRefund, value: (v) => v! > openDeposit - amount});
    expect(await w.channel.getState()).toMatchObject({state: 'closed', paid: amount});
    expect(await w.channel.getBalance()).toBe(0n);
    // A second cooperative close is refused.
    r = await w.channel.sendCooperativeClose(w.provider.getSender(), {value: SMALL, amount, signature});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.CHANNEL_CLOSED});
  });

  it('bounces unknown opcodes and ignores bounced messages', async () => {
    let r = await w.stranger.send({to: w.channel.address, value: SMALL, body: beginCell().storeUint(0xdeadbeef, 32).endCell()});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.UNKNOWN_OP});
    const before = await w.channel.getState();
    const bounced = await w.blockchain.sendMessage(
      internal({from: w.provider.address, to: w.channel.address, value: SMALL, bounce: false, bounced: true, body: beginCell().storeUint(0xffffffff, 32).storeUint(ChannelOp.ChannelPayout, 32).endCell()}),
    );
    expect(bounced.transactions).toHaveTransaction({to: w.channel.address, success: true, inMessageBounced: true, outMessagesCount: 0});
    const after = await w.channel.getState();
    expect({...after, consumer: after.consumer.toString(), provider: after.provider.toString()}).toEqual({
      ...before,
      consumer: before.consumer.toString(),
      provider: before.provider.toString(),
    });
  });
});
