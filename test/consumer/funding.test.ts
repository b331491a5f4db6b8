// The one funding policy of ask, the gateway and the SDK, on a real devnet.
import path from 'node:path';
import {toNano} from '@ton/core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ProviderRecord} from '../../src/chain/contracts/registry-codec.js';
import {ChannelStore} from '../../src/consumer/channel-store.js';
import {viewChannel} from '../../src/consumer/channels.js';
import {FundingPolicy, type FundingEvent, type FundingMode} from '../../src/consumer/funding.js';
import {tempHome} from '../helpers/home.js';
import {startChain, type TestChain, type TestWallet} from '../provider/devnet-network.js';

let chain: TestChain;
let consumer: TestWallet;
beforeAll(async () => {
  chain = await startChain();
  consumer = await chain.wallet(20);
});
afterAll(async () => {
  await chain?.close();
});

function policy(mode: FundingMode, extra: {confirm?: () => Promise<boolean>; unlocks?: {n: number}; events?: FundingEvent[]} = {}) {
  const store = new ChannelStore('devnet', path.join(tempHome(), 'channels'));
  const funding = new FundingPolicy({
    client: chain.client,
    store,
    mode,
    deposit: toNano(1),
    confirm: extra.confirm,
    onEvent: (e) => extra.events?.push(e),
    wallet: async () => {
      if (extra.unlocks) extra.unlocks.n++;
      return {name: 'me', sender: consumer.sender};
    },
  });
  return {store, funding};
}

const providerRecord = async () => ({owner: (await chain.wallet(1)).address, nodeKey: Buffer.alloc(32, 9)}) as ProviderRecord;

describe('FundingPolicy', () => {
  it('opens one channel for concurrent first queries, unlocking the wallet once', async () => {
    const unlocks = {n: 0};
    const events: FundingEvent[] = [];
    const {store, funding} = policy('never', {unlocks, events});
    const provider = await providerRecord();
    const [a, b] = await Promise.all([funding.openChannel(provider), funding.openChannel(provider)]);
    expect(a.channel).toBe(b.channel);
    expect(store.list()).toHaveLength(1);
    expect(unlocks.n).toBe(1);
    expect(events).toEqual([{type: 'channel-opened', provider: provider.owner.toRawString(), channel: a.channel, amount: toNano(1)}]);
    const view = await viewChannel(chain.client, a);
    expect(view.state).toBe('open');
  });

  it("'never' refuses a low channel with INSUFFICIENT_FUNDS and moves nothing", async () => {
    const {funding} = policy('never');
    const record = await funding.openChannel(await providerRecord());
    await expect(funding.onLowBalance(record, 5n, toNano(3))).rejects.toMatchObject({code: 'INSUFFICIENT_FUNDS', message: expect.stringMatching(/may cost up to 3 GRAM/)});
    expect((await viewChannel(chain.client, record)).deposited).toBeLessThan(toNano(1));
  });

  it("'confirm' asks: no refuses (ABORTED), yes tops up by the larger of deposit and need", async () => {
    let answer = false;
    const events: FundingEvent[] = [];
    const {funding} = policy('confirm', {confirm: async () => answer, events});
    const record = await funding.openChannel(await providerRecord());
    const before = (await viewChannel(chain.client, record)).deposited;
    await expect(funding.onLowBalance(record, 0n, toNano(2))).rejects.toMatchObject({code: 'ABORTED'});
    answer = true;
    await funding.onLowBalance(record, 0n, toNano(2));
    const after = (await viewChannel(chain.client, record)).deposited;
    // The top-up arrives less the message's gas.
    expect(after - before).toBeGreaterThan(toNano('1.99'));
    expect(after - before).toBeLessThanOrEqual(toNano(2));
    expect(events.at(-1)).toMatchObject({type: 'channel-topped-up', amount: toNano(2)});
  });
});
