// The settler and the durable ledger on a real devnet: what is claimed, when,
// and that nothing is claimed twice or lost across a restart.
import fs from 'node:fs';
import path from 'node:path';
import {Cell, toNano} from '@ton/core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readChannelState} from '../../src/chain/channel-state.js';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {externalClaimSplit} from '../../src/chain/contracts/claim-fees.js';
import {parseGasPrices, parseMsgPrices} from '../../src/chain/contracts/fees.js';
import {FileChannelLedger} from '../../src/provider/file-ledger.js';
import {MemoryChannelLedger, type ChannelLedger} from '../../src/provider/ledger.js';
import {Settler} from '../../src/provider/settlement.js';
import type {ChainClient} from '../../src/chain/client.js';
import {tempHome} from '../helpers/home.js';
import {openTestChannel, startChain, type TestChain} from './devnet-network.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startChain();
});
afterAll(async () => {
  await chain?.close();
});

async function channelWithVoucher(ledger: ChannelLedger, amount: bigint, options: {signWith?: Buffer; closeDelay?: number} = {}) {
  const provider = await chain.wallet(2);
  const {channel, voucherKey, consumer} = await openTestChannel(chain, provider.address, toNano(2), options.closeDelay);
  const raw = channel.address.toRawString();
  await ledger.put(raw, {paid: amount, owed: amount, waived: 0, voucher: {amount, signature: signVoucher({channel: channel.address, amount}, options.signWith ?? voucherKey)}});
  return {provider, channel, raw, consumer, voucherKey};
}

async function sandboxPrices() {
  const {defaultConfig} = await import('@ton/sandbox');
  const config = Cell.fromBase64(defaultConfig);
  return {gas: parseGasPrices(config), msg: parseMsgPrices(config)};
}

/** An amount the channel accepts but whose fees would take more than half of it. */
async function lossyAmount(): Promise<bigint> {
  const {gas, msg} = await sandboxPrices();
  for (let a = 1_000_000n; a < 20_000_000n; a += 100_000n) {
    const split = externalClaimSplit(a, 0n, gas, msg);
    if (split.accepted && split.received * 2n < a) return a;
  }
  throw new Error('no lossy amount below 0.02 GRAM');
}

describe('Settler', () => {
  it('waits for the threshold, claims once when forced, then finds nothing new', async () => {
    const ledger = new MemoryChannelLedger();
    const {provider, channel, raw} = await channelWithVoucher(ledger, toNano('0.3'));
    const settler = new Settler({client: chain.client, ledger, threshold: toNano(1), timeoutMs: 20_000});
    const [below] = await settler.settle();
    expect(below).toMatchObject({channel: raw, outcome: 'below-threshold', voucher: toNano('0.3'), paidBefore: 0n});
    const before = await chain.client.balance(provider.address);
    const [claimed] = await settler.settle({force: true});
    expect(claimed).toMatchObject({outcome: 'claimed', paidBefore: 0n, paidAfter: toNano('0.3')});
    expect((await readChannelState(chain.client, channel.address))?.paid).toBe(toNano('0.3'));
    // The payout reaches the provider's wallet, less the external claim's fees (a few mGRAM).
    const gained = (await chain.client.balance(provider.address)) - before;
    expect(gained).toBeGreaterThan(toNano('0.29'));
    expect(gained).toBeLessThanOrEqual(toNano('0.3'));
    const [again] = await settler.settle({force: true});
    expect(again).toMatchObject({outcome: 'nothing-new', paidBefore: toNano('0.3')});
  });

  it('skips a claim too small to pay for itself, even when forced', async () => {
    const ledger = new MemoryChannelLedger();
    const {raw} = await channelWithVoucher(ledger, 1_000_000n);
    const [report] = await new Settler({client: chain.client, ledger, threshold: 0n}).settle({force: true});
    expect(report).toMatchObject({channel: raw, outcome: 'too-small', paidAfter: 0n});
  });
});

/** The devnet client, counting the chain calls made through it. */
function countingClient(): {client: ChainClient; calls: () => number} {
  let calls = 0;
  const client = new Proxy(chain.client, {
    get(target, prop, receiver) {
      if (prop === 'call') {
        return (...args: Parameters<ChainClient['call']>) => {
          calls++;
          return target.call(...args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return {client, calls: () => calls};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Settler passes', () => {
  it('a forced call during an unforced pass waits for it, then claims (Ctrl-C during a timer pass)', async () => {
    const ledger = new MemoryChannelLedger();
    const {channel} = await channelWithVoucher(ledger, toNano('0.3'));
    const settler = new Settler({client: chain.client, ledger, threshold: toNano(1), timeoutMs: 20_000});
    const timerPass = settler.settle();
    const shutdown = settler.settle({force: true});
    const again = settler.settle({force: true});
    const [timer] = await timerPass;
    expect(timer).toMatchObject({outcome: 'below-threshold'});
    const [forced] = await shutdown;
    expect(forced).toMatchObject({outcome: 'claimed', paidAfter: toNano('0.3')});
    // A second forced caller joins the same forced pass.
    expect(await again).toBe(await shutdown);
    expect((await readChannelState(chain.client, channel.address))?.paid).toBe(toNano('0.3'));
  });

  it('reads the chain only for channels with a voucher beyond what is known paid, and never again for closed ones', async () => {
    const ledger = new MemoryChannelLedger();
    const {raw: paidRaw} = await channelWithVoucher(ledger, toNano('0.2'));
    // A channel with an account but no voucher yet (served, never paid).
    const provider = await chain.wallet(2);
    const {channel: bare} = await openTestChannel(chain, provider.address, toNano(1));
    await ledger.put(bare.address.toRawString(), {paid: 0n, owed: 0n, waived: 0});
    // A channel the consumer closed with a voucher unclaimed.
    const closer = await chain.wallet(2);
    const {channel: closing, consumer, voucherKey} = await openTestChannel(chain, closer.address, toNano(1), 1);
    const closedRaw = closing.address.toRawString();
    await ledger.put(closedRaw, {paid: toNano('0.1'), owed: toNano('0.1'), waived: 0, voucher: {amount: toNano('0.1'), signature: signVoucher({channel: closing.address, amount: toNano('0.1')}, voucherKey)}});
    await closing.sendStartClose(consumer.sender, {value: toNano('0.05')});
    await sleep(2100);
    await closing.sendFinishClose(consumer.sender, {value: toNano('0.05')});
    expect((await readChannelState(chain.client, closing.address))?.state).toBe('closed');

    const {client, calls} = countingClient();
    const settler = new Settler({client, ledger, threshold: toNano(1), timeoutMs: 20_000});
    const first = await settler.settle({force: true});
    expect(Object.fromEntries(first.map((r) => [r.channel, r.outcome]))).toEqual({[paidRaw]: 'claimed', [bare.address.toRawString()]: 'nothing-new', [closedRaw]: 'closed'});
    const afterFirst = calls();
    const second = await settler.settle({force: true});
    expect(calls()).toBe(afterFirst);
    expect(Object.fromEntries(second.map((r) => [r.channel, r.outcome]))).toEqual({[paidRaw]: 'nothing-new', [bare.address.toRawString()]: 'nothing-new', [closedRaw]: 'closed'});
    expect(second.find((r) => r.channel === paidRaw)).toMatchObject({paidBefore: toNano('0.2')});
  });
});

describe('Settler claim policy', () => {
  it('skips a forced claim that would lose half to fees, and makes it when the close deadline forces it', async () => {
    const amount = await lossyAmount();
    const ledger = new MemoryChannelLedger();
    const {channel, raw, consumer} = await channelWithVoucher(ledger, amount, {closeDelay: 3600});
    const [skipped] = await new Settler({client: chain.client, ledger, threshold: 0n}).settle({force: true});
    expect(skipped).toMatchObject({channel: raw, outcome: 'too-small', paidAfter: 0n, reason: expect.stringMatching(/fees would take/)});
    expect(skipped!.expected! * 2n).toBeLessThan(amount);
    // The consumer starts closing: within the margin of the deadline the claim is made, fees or not.
    await channel.sendStartClose(consumer.sender, {value: toNano('0.05')});
    const [forced] = await new Settler({client: chain.client, ledger, threshold: 0n, closeMarginSec: 7200, timeoutMs: 20_000}).settle();
    expect(forced).toMatchObject({outcome: 'claimed', paidAfter: amount});
  });

  it('never sends again a voucher the chain refused', async () => {
    const ledger = new MemoryChannelLedger();
    const {raw} = await channelWithVoucher(ledger, toNano('0.2'), {signWith: Buffer.alloc(32, 7)});
    const settler = new Settler({client: chain.client, ledger, threshold: 0n, timeoutMs: 3_000});
    const [first] = await settler.settle({force: true});
    expect(first).toMatchObject({channel: raw, outcome: 'failed', paidAfter: 0n});
    const [second] = await settler.settle({force: true});
    expect(second).toMatchObject({channel: raw, outcome: 'stuck', reason: expect.stringMatching(/moved nothing/)});
  });

  it('reports a voucher of an earlier life as stale and leaves a new life alone', async () => {
    const ledger = new MemoryChannelLedger();
    const {channel, raw, consumer} = await channelWithVoucher(ledger, toNano('0.2'), {closeDelay: 1});
    await channel.sendStartClose(consumer.sender, {value: toNano('0.05')});
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await channel.sendFinishClose(consumer.sender, {value: toNano('0.05')});
    await channel.sendOpen(consumer.sender, {value: toNano(1)});
    const state = await readChannelState(chain.client, channel.address);
    expect(state).toMatchObject({state: 'open', epoch: 2, paid: 0n});
    const [report] = await new Settler({client: chain.client, ledger, threshold: 0n}).settle({force: true});
    expect(report).toMatchObject({channel: raw, outcome: 'stale', paidAfter: 0n, reason: expect.stringMatching(/life 1.*life 2/)});
  });
});

describe('FileChannelLedger', () => {
  it('keeps accounts across instances (a restart), lists them, and refuses a corrupt file', async () => {
    const dir = path.join(tempHome(), 'ledger');
    const first = new FileChannelLedger(dir);
    const {raw} = await channelWithVoucher(first, toNano('0.2'));
    const reopened = new FileChannelLedger(dir);
    expect(reopened.channels()).toEqual([raw]);
    const account = await reopened.get(raw);
    expect(account).toMatchObject({paid: toNano('0.2'), owed: toNano('0.2'), waived: 0});
    expect(Buffer.from(account!.voucher!.signature).length).toBe(64);
    expect(await reopened.get('0:' + 'ab'.repeat(32))).toBeUndefined();
    const file = path.join(dir, raw.replace(':', '_') + '.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.writeFileSync(file, '{"paid": "1"');
    await expect(new FileChannelLedger(dir).get(raw)).rejects.toMatchObject({code: 'CORRUPT_DATA'});
    await expect(first.put('not-an-address', {paid: 0n, owed: 0n, waived: 0})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });
});
