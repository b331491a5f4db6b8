import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {toNano} from '@ton/core';
import {createEngine} from '../../src/inference/engine.js';
import {startProviderNode, type ProviderNode} from '../../src/provider/node.js';
import {testModel} from '../inference/model.js';
import {openTestChannel, registerTestProvider, startChain, testNodeOptions, type TestChain, nodeClient} from './devnet-network.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startChain();
});
afterAll(async () => {
  await chain?.close();
});

function nodeOptions(provider: Awaited<ReturnType<typeof registerTestProvider>>, modelPath: string) {
  // The real engine, and the node's own 30 s settle timer.
  return testNodeOptions(chain, provider, modelPath, {
    createEngine: (o: {modelPath: string; name: string}) => createEngine({...o, gpu: false, threads: 1, parallel: 2}),
    settleIntervalMs: 30_000,
    minCloseDelay: 60,
  });
}

describe('provider lifecycle on the devnet', () => {
  it('register → serve → five paid queries → claim: the wallet grows by the receipts minus the fees', async () => {
    const model = testModel();
    const provider = await registerTestProvider(chain, model);
    expect(provider.record).toMatchObject({status: 'active', stake: toNano(2), model: path.basename(model, '.gguf')});
    const node: ProviderNode = await startProviderNode(nodeOptions(provider, model));
    try {
      const opened = await openTestChannel(chain, provider.wallet.address);
      const {channel} = opened;
      const client = nodeClient(node.url, provider.nodeKey, opened);
      let receipts = 0n;
      for (let i = 0; i < 5; i++) {
        const stream = client.query({
          model: provider.record.model,
          prompt: 'Once upon a time',
          maxTokens: 24,
          maxPrice: {prompt: provider.record.promptPrice, completion: provider.record.completionPrice},
          params: {temperature: 0},
        });
        let text = '';
        for await (const piece of stream) text += piece;
        const result = await stream.result();
        expect(result.text).toBe(text);
        expect(result.voucherPosted).toBe(true);
        expect(result.cost).toBe(BigInt(result.usage.promptTokens) * provider.record.promptPrice + BigInt(result.usage.completionTokens) * provider.record.completionPrice);
        receipts += result.cost;
      }
      expect(await client.paid()).toBe(receipts);

      // Below the threshold nothing is claimed on a timer pass.
      expect((await node.settler.settle()).map((r) => r.outcome)).toEqual(['below-threshold']);

      const before = await chain.client.balance(provider.wallet.address);
      const [report] = await node.settler.settle({force: true});
      expect(report).toMatchObject({outcome: 'claimed', voucher: receipts, paidBefore: 0n, paidAfter: receipts});
      const after = await chain.client.balance(provider.wallet.address);

      // The payout: the channel's claim transaction sent (receipts − its bounded claim cost) to the wallet.
      const [claimTx] = await chain.client.ton.getTransactions(channel.address, {limit: 1});
      expect(claimTx!.inMessage?.info.type).toBe('external-in');
      const payout = [...claimTx!.outMessages.values()][0]!;
      expect(payout.info.type === 'internal' && payout.info.dest.equals(provider.wallet.address)).toBe(true);
      const delivered = payout.info.type === 'internal' ? payout.info.value.coins : 0n;
      const [receiveTx] = await chain.client.ton.getTransactions(provider.wallet.address, {limit: 1});
      const fees = receipts - delivered + receiveTx!.totalFees.coins;
      expect(after - before).toBe(receipts - fees);
      expect(fees).toBeGreaterThan(0n);
      expect(fees).toBeLessThan(toNano('0.005'));

      // Settling again claims nothing: the chain already counts the voucher.
      expect((await node.settler.settle({force: true}))[0]).toMatchObject({outcome: 'nothing-new', paidBefore: receipts});
      expect((await channel.getState()).paid).toBe(receipts);
    } finally {
      await node.close();
    }
  });

  it('refuses to serve a model whose hash differs from the registration, or another node key', async () => {
    const model = testModel();
    const provider = await registerTestProvider(chain, model);
    const {writeTinyGguf} = await import('../helpers/tiny-gguf.js');
    const other = writeTinyGguf({seed: 7});
    await expect(startProviderNode(nodeOptions(provider, other))).rejects.toMatchObject({code: 'INVALID_INPUT', message: expect.stringMatching(/SHA-256.*differs/)});
    const {generateNodeKey} = await import('../../src/crypto/node-key.js');
    await expect(startProviderNode({...nodeOptions(provider, model), nodeKey: await generateNodeKey()})).rejects.toMatchObject({message: expect.stringMatching(/node key.*differs/)});
  });

  it('refuses a stake below the minimum and a second registration, before sending anything', async () => {
    const model = testModel();
    await expect(registerTestProvider(chain, model, toNano('0.5'))).rejects.toMatchObject({code: 'INVALID_INPUT', message: expect.stringMatching(/below the registry minimum of 1 GRAM/)});
    const provider = await registerTestProvider(chain, model);
    const {registerProvider, buildProfile} = await import('../../src/provider/registration.js');
    const {testOffer} = await import('./devnet-network.js');
    const balance = await chain.client.balance(provider.wallet.address);
    await expect(
      registerProvider({client: chain.client, registry: chain.registry, sender: provider.wallet.sender}, {profile: buildProfile(await testOffer(model), provider.nodeKey), stake: toNano(2)}),
    ).rejects.toMatchObject({code: 'ALREADY_EXISTS'});
    expect(await chain.client.balance(provider.wallet.address)).toBe(balance);
  });
});
