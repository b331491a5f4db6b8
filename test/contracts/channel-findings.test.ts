// Regression tests for the audit findings of issue 13 on the payment channel
// (F1, F2, F2c, F3, F4, I1). Each one reproduced on the v1 contract; see the
// commit that added it for the failing run.
import {beginCell, contractAddress, external, toNano, type Cell} from '@ton/core';
import type {Blockchain} from '@ton/sandbox';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {Channel} from '../../src/chain/contracts/channel.js';
import {channelStorageCell} from '../../src/chain/contracts/channel-codec.js';
import {contractCode} from '../../src/chain/contracts/code.js';
import {ChannelOp, ExitCode} from '../../src/chain/contracts/constants.js';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {channelWorld, T0, type ChannelWorld} from './fixtures.js';

const YEAR = 365 * 24 * 3600;

describe('channel findings (issue 13)', () => {
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

  const sign = (amount: bigint, epoch = 1, globalId = -239) => ({amount, signature: signVoucher({channel: w.channel.address, amount, epoch, globalId}, w.keys.secretKey)});
  const extBody = (v: {amount: bigint; signature: Buffer}): Cell =>
    beginCell().storeUint(ChannelOp.ExternalClaim, 32).storeCoins(v.amount).storeBuffer(v.signature).endCell();

  /** Sends an external; returns the transaction, or null when the channel refused it before ACCEPT. */
  async function pushExternal(body: Cell, init?: {code: Cell; data: Cell}) {
    try {
      const r = await w.blockchain.sendMessage(external({to: w.channel.address, body, init}));
      return r.transactions.find((t) => t.inMessage?.info.type === 'external-in')!;
    } catch {
      return null;
    }
  }

  function actionOk(tx: NonNullable<Awaited<ReturnType<typeof pushExternal>>>): boolean {
    const d = tx.description;
    return d.type === 'generic' && !d.aborted && d.computePhase.type === 'vm' && d.computePhase.success && d.actionPhase?.success === true;
  }

  it('F1: an external claim just above its cost is never accepted then aborted, and cannot be replayed', async () => {
    // Sweep the band where v1 accepted, then failed to send (payout below its forward fee).
    for (let due = toNano('0.0018'); due <= toNano('0.0040'); due += toNano('0.0002')) {
      await w.blockchain.loadFrom(snapshot);
      const body = extBody(sign(due));
      const before = await w.channel.getBalance();
      const tx = await pushExternal(body);
      if (tx === null) {
        expect(await w.channel.getBalance(), `refused claim of ${due} must cost nothing`).toBe(before);
        continue;
      }
      expect(actionOk(tx), `claim of ${due} accepted then aborted`).toBe(true);
      expect((await w.channel.getState()).paid).toBe(due);
      const balance = await w.channel.getBalance();
      expect(await pushExternal(body), 'replay accepted').toBeNull();
      expect(await w.channel.getBalance()).toBe(balance);
    }
  });

  it('F2: refuses an external that carries the channel StateInit (extra import fee on the deposit)', async () => {
    const init = Channel.createFromConfig({consumer: w.consumer.address, provider: w.provider.address, consumerKey: w.keys.publicKey, closeDelay: w.closeDelay}).init!;
    expect(await pushExternal(extBody(sign(toNano('1'))), init)).toBeNull();
    expect((await w.channel.getState()).paid).toBe(0n);
    // The same claim without the StateInit goes through.
    expect(await pushExternal(extBody(sign(toNano('1'))))).not.toBeNull();
  });

  it('F2: refuses an external body with extra refs hung on it', async () => {
    const v = sign(toNano('1'));
    const fat = beginCell().storeUint(ChannelOp.ExternalClaim, 32).storeCoins(v.amount).storeBuffer(v.signature).storeRef(beginCell().storeUint(1, 1000).endCell()).endCell();
    expect(await pushExternal(fat)).toBeNull();
  });

  it('F2c: after years of rent a full-deposit external claim still pays once, never aborts, and is not replayable', async () => {
    const st = await w.channel.getState();
    w.blockchain.now = T0 + 2 * YEAR;
    const body = extBody(sign(st.deposited));
    const tx = await pushExternal(body);
    if (tx !== null) {
      expect(actionOk(tx), 'accepted then aborted').toBe(true);
      const after = await w.channel.getState();
      expect(after.paid).toBeGreaterThan(0n);
      expect(after.paid).toBeLessThanOrEqual(st.deposited);
    }
    const balance = await w.channel.getBalance();
    expect(await pushExternal(body)).toBeNull();
    expect(await w.channel.getBalance()).toBe(balance);
  });

  it('F2c: rent comes out of the consumer side: the provider claim of the full deposit moves paid after 3 years', async () => {
    const st = await w.channel.getState();
    w.blockchain.now = T0 + 3 * YEAR;
    const r = await w.channel.sendClaim(w.provider.getSender(), {value: toNano('0.01'), ...sign(st.deposited)});
    expect(r.transactions).toHaveTransaction({from: w.channel.address, to: w.provider.address, op: ChannelOp.ChannelPayout, success: true});
    const after = await w.channel.getState();
    expect(after.paid).toBeGreaterThan(st.deposited - toNano('0.05'));
  });

  it('F3: a voucher of an earlier life is dead after re-open', async () => {
    const old = sign(toNano('4.5'), 1);
    await w.channel.sendClaim(w.provider.getSender(), {value: toNano('0.01'), ...sign(toNano('2'), 1)});
    await w.channel.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')});
    w.blockchain.now = T0 + w.closeDelay;
    await w.channel.sendFinishClose(w.consumer.getSender(), {value: toNano('0.02')});
    await w.channel.sendOpen(w.consumer.getSender(), {value: toNano('5')});
    const before = await w.channel.getState();
    const r = await w.channel.sendClaim(w.provider.getSender(), {value: toNano('0.01'), ...old});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.BAD_SIGNATURE});
    expect((await w.channel.getState()).paid).toBe(before.paid);
    expect(await pushExternal(extBody(old))).toBeNull();
  });

  it('I1: a voucher signed for another network is dead', async () => {
    const r = await w.channel.sendClaim(w.provider.getSender(), {value: toNano('0.01'), ...sign(toNano('1'), 1, -3)});
    expect(r.transactions).toHaveTransaction({to: w.channel.address, success: false, exitCode: ExitCode.BAD_SIGNATURE});
  });

  it('F4: a close delay above 30 days is refused at open, so a close can always start', async () => {
    const config = {consumer: w.consumer.address, provider: w.provider.address, consumerKey: w.keys.publicKey, closeDelay: 0xffffff};
    // The codec refuses to build it (the CLI path) ...
    expect(() => Channel.createFromConfig(config)).toThrow(/closeDelay/);
    // ... and the contract refuses to open one built by hand.
    const init = {code: contractCode('channel'), data: channelStorageCell(config)};
    const huge = w.blockchain.openContract(new Channel(contractAddress(0, init), init));
    const r = await huge.sendOpen(w.consumer.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({to: huge.address, success: false, exitCode: ExitCode.BAD_CLOSE_DELAY});
  });
});
