// A warm ask makes no chain read: the channel's deposit is known locally, and a
// provider's refusal (channel no longer open) sends ask back to the chain.
import path from 'node:path';
import {toNano} from '@ton/core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ChainClient} from '../../src/chain/client.js';
import {ask, type AskOptions} from '../../src/consumer/ask.js';
import {ChannelStore} from '../../src/consumer/channel-store.js';
import {channelContract} from '../../src/consumer/channels.js';
import {FundingPolicy} from '../../src/consumer/funding.js';
import {createEngine} from '../../src/inference/engine.js';
import {modelSha256} from '../../src/inference/hash.js';
import {startProviderNode, type ProviderNode} from '../../src/provider/node.js';
import {tempHome} from '../helpers/home.js';
import {startRoughEndpoint, type RoughEndpoint} from '../helpers/rough-endpoint.js';
import {testModel} from '../inference/model.js';
import {UNAUDITED} from '../../src/consumer/audit-standing.js';
import {registerTestProvider, startChain, type TestChain} from '../provider/devnet-network.js';

let chain: TestChain;
let rough: RoughEndpoint;
let node: ProviderNode;
beforeAll(async () => {
  chain = await startChain();
  rough = await startRoughEndpoint({target: chain.server.url});
}, 60_000);
afterAll(async () => {
  await node?.close();
  await rough?.close();
  await chain?.close();
});

describe('a warm ask', () => {
  it('makes no chain read once the channel is known, and reads it again when the provider refuses the channel', async () => {
    const model = testModel();
    const provider = await registerTestProvider(chain, model);
    node = await startProviderNode({
      client: chain.client, registry: chain.registry, wallet: provider.wallet.address, nodeKey: provider.nodeKey, modelPath: model,
      createEngine: (o) => createEngine({...o, gpu: false, threads: 1, parallel: 2}), hashModel: (p) => modelSha256(p),
      ledgerDir: path.join(tempHome(), 'ledger'), claimThreshold: toNano(100), minCloseDelay: 60,
      // Terms older than the 3 s cache are read before serving (not served stale), so the close is seen at once.
      channelStaleMs: 0,
    });
    // The consumer talks to the chain only through the counting endpoint.
    const client = await ChainClient.connect({network: 'devnet', endpoint: `${rough.url}/jsonRPC`});
    const consumer = await chain.wallet(5);
    const store = new ChannelStore('devnet', path.join(tempHome(), 'channels'));
    const funding = new FundingPolicy({client, store, mode: 'never', deposit: toNano(1), closeDelay: 3600, wallet: async () => ({name: 'me', sender: consumer.sender})});
    const candidates = [{record: {...provider.record, endpoint: node.url}, live: {info: node.server.info(), latencyMs: 1}, audit: UNAUDITED}];
    const question: AskOptions = {client, registry: chain.registry, store, prompt: 'Once upon a time', maxTokens: 6, filter: {}, candidates, funding};

    const first = await ask(question);
    expect(first.voucherPosted).toBe(true);
    const before = rough.log.length;
    const second = await ask(question);
    expect(second.voucherPosted).toBe(true);
    expect(second.total).toBe(first.total + second.cost);
    expect(rough.log.slice(before)).toEqual([]);

    // The consumer starts closing the channel elsewhere; the local record does not know.
    const record = store.get(provider.record.owner.toRawString(), provider.record.nodeKey.toString('hex'))!;
    await channelContract(chain.client, record).sendStartClose(consumer.sender, {value: toNano('0.05')});
    await new Promise((resolve) => setTimeout(resolve, 3_100)); // past the provider's channel-terms cache
    const atClose = rough.log.length;
    await expect(ask(question)).rejects.toMatchObject({code: 'PAYMENT_REQUIRED', message: expect.stringMatching(/channel to this provider is closing/)});
    expect(rough.log.length).toBeGreaterThan(atClose);
  });
});
