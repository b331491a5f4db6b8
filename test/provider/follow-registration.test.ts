// A running node follows its registration: `provide update` prices reach
// /v1/info and new queries without a restart; a model or node key the chain no
// longer names stops queries with a clear event, until the registration matches again.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {startProviderNode, type NodeEvent} from '../../src/provider/node.js';
import {buildProfile, updateProvider} from '../../src/provider/registration.js';
import {testModel} from '../inference/model.js';
import {openTestChannel, registerTestProvider, startChain, testNodeOptions, testOffer, type TestChain, nodeClient} from './devnet-network.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startChain();
});
afterAll(async () => {
  await chain?.close();
});

const until = async (what: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('a running node follows its registration', () => {
  it('applies new prices on the timer, and stops queries when the node key changes on chain', async () => {
    const model = testModel();
    const provider = await registerTestProvider(chain, model);
    const events: NodeEvent[] = [];
    const node = await startProviderNode(testNodeOptions(chain, provider, model, {minCloseDelay: 60, onEvent: (e) => events.push(e)}));
    try {
      const opened = await openTestChannel(chain, provider.wallet.address);
      const consumer = nodeClient(node.url, provider.nodeKey, opened);
      const ask = {model: provider.record.model, prompt: 'Once upon a time', maxTokens: 4, maxPrice: {prompt: 10_000n, completion: 500_000n}};
      expect((await consumer.query(ask).result()).receipt.receipt.prices).toEqual({prompt: 2000n, completion: 100_000n});

      // `provide update` with new prices: no restart.
      const access = {client: chain.client, registry: chain.registry, sender: provider.wallet.sender};
      await updateProvider(access, {profile: buildProfile({...(await testOffer(model)), promptPrice: 3000n, completionPrice: 200_000n}, provider.nodeKey)});
      await until(() => events.some((e) => e.type === 'registration' && e.change === 'prices'));
      expect((await consumer.info()).prices).toEqual({prompt: '3000', completion: '200000'});
      expect(node.record.completionPrice).toBe(200_000n);
      const charged = await consumer.query(ask).result();
      expect(charged.receipt.receipt.prices).toEqual({prompt: 3000n, completion: 200_000n});
      expect(charged.cost).toBe(BigInt(charged.usage.promptTokens) * 3000n + BigInt(charged.usage.completionTokens) * 200_000n);

      // Another encryption key on chain for this node's record (registry v2 keys records by the Ed25519 node key,
      // so the X25519 half is what an update can change): this node must not answer for it.
      const other = await generateNodeKey();
      await updateProvider(access, {profile: buildProfile({...(await testOffer(model)), promptPrice: 3000n, completionPrice: 200_000n}, {...provider.nodeKey, x25519PublicKey: other.x25519PublicKey})});
      await node.refresh();
      const suspended = events.find((e) => e.type === 'registration' && e.change === 'suspended');
      expect(suspended).toMatchObject({message: expect.stringMatching(/no longer matches its registration: the node key changed/)});
      await expect(consumer.query(ask).result()).rejects.toMatchObject({code: 'PROVIDER_UNAVAILABLE', details: {wireCode: 'SHUTTING_DOWN'}, message: expect.stringMatching(/node key changed/)});
      const health = await fetch(`${node.url}/healthz`);
      expect(health.status).toBe(503);
      await health.arrayBuffer();

      // Back to this node's key: queries again.
      await updateProvider(access, {profile: buildProfile({...(await testOffer(model)), promptPrice: 3000n, completionPrice: 200_000n}, provider.nodeKey)});
      await node.refresh();
      expect(events.some((e) => e.type === 'registration' && e.change === 'resumed')).toBe(true);
      expect((await consumer.query(ask).result()).voucherPosted).toBe(true);
    } finally {
      await node.close();
    }
  });
});
