// The on-chain channel guard's refusals name the policy and what the channel
// has, through the real server and client on a devnet.
import {Address, toNano} from '@ton/core';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {ProviderClient} from '../../src/consumer/client.js';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {ChainChannelGuard} from '../../src/provider/chain-guard.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {createProviderServer, type ProviderServer} from '../../src/provider/server.js';
import {openTestChannel, startChain, type TestChain} from './devnet-network.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startChain();
});
afterAll(async () => {
  await chain?.close();
});

async function serve(providerAddress: Address): Promise<{server: ProviderServer; client: (channel: Address, voucherKey: Uint8Array) => ProviderClient}> {
  const nodeKey = await generateNodeKey();
  const server = await createProviderServer({
    engine: new NullEngine({tokens: 5}),
    nodeKey,
    prices: {prompt: 1n, completion: 1n},
    guard: new ChainChannelGuard({client: chain.client, provider: providerAddress}),
  });
  return {
    server,
    client: (channel, voucherKey) =>
      new ProviderClient({endpoint: server.url, provider: {x25519PublicKey: nodeKey.x25519PublicKey, ed25519PublicKey: nodeKey.ed25519PublicKey}, channel, voucherKey}),
  };
}

const ask = {model: 'null', prompt: 'hello there', maxTokens: 5, maxPrice: {prompt: 1n, completion: 1n}};

async function refusal(client: ProviderClient): Promise<{code?: string; wireCode?: unknown; message: string}> {
  try {
    await client.query(ask).result();
  } catch (err) {
    const e = err as {code?: string; details?: Record<string, unknown>; message: string};
    return {code: e.code, wireCode: e.details?.wireCode, message: e.message};
  }
  throw new Error('expected a refusal');
}

describe('ChainChannelGuard refusals', () => {
  it('says the minimum close delay and the channel’s own when it is too short', async () => {
    const provider = await chain.wallet(2);
    const {server, client} = await serve(provider.address);
    try {
      const {channel, voucherKey} = await openTestChannel(chain, provider.address, toNano(1), 60);
      const r = await refusal(client(channel.address, voucherKey));
      expect(r).toMatchObject({code: 'PAYMENT_REQUIRED', wireCode: 'UNKNOWN_CHANNEL'});
      expect(r.message).toMatch(/close delay of at least 600 s.*this channel's close delay is 60 s/);
    } finally {
      await server.close();
    }
  });

  it('says when nothing is deployed, and when the channel pays another provider', async () => {
    const provider = await chain.wallet(2);
    const other = await chain.wallet(2);
    const {server, client} = await serve(provider.address);
    try {
      const nowhere = await refusal(client(new Address(0, Buffer.alloc(32, 7)), Buffer.alloc(32, 1)));
      expect(nowhere.message).toMatch(/No payment channel is deployed at that address/);
      const {channel, voucherKey} = await openTestChannel(chain, other.address, toNano(1), 3600);
      expect((await refusal(client(channel.address, voucherKey))).message).toMatch(/pays another provider/);
    } finally {
      await server.close();
    }
  });

  it('serves a channel on terms up to a minute old while it reads them again in the background; a fresh figure waits for the chain', async () => {
    const provider = await chain.wallet(2);
    const {channel} = await openTestChannel(chain, provider.address, toNano(1), 3600);
    let clock = 1_000_000;
    const guard = new ChainChannelGuard({client: chain.client, provider: provider.address, now: () => clock});
    const reads = vi.spyOn(chain.client, 'call');
    try {
      const first = await guard.lookup(channel.address);
      expect(first?.deposit).toBeGreaterThan(0n);
      expect(reads).toHaveBeenCalledTimes(1);
      clock += 1_000; // inside the 3 s cache: no read
      await guard.lookup(channel.address);
      expect(reads).toHaveBeenCalledTimes(1);
      clock += 10_000; // stale: answered from the cache at once, one read started behind it
      const stale = guard.lookup(channel.address);
      const again = guard.lookup(channel.address);
      expect(await stale).toEqual(first);
      expect(await again).toEqual(first);
      expect(reads).toHaveBeenCalledTimes(2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      clock += 1_000; // the background read refreshed the cache
      await guard.lookup(channel.address);
      expect(reads).toHaveBeenCalledTimes(2);
      // An explicit age (a deposit that looks short) waits for the chain.
      clock += 2_000;
      await guard.lookup(channel.address, {maxAgeMs: 1000});
      expect(reads).toHaveBeenCalledTimes(3);
      clock += 120_000; // past a minute: waits for the chain too
      await guard.lookup(channel.address);
      expect(reads).toHaveBeenCalledTimes(4);
    } finally {
      reads.mockRestore();
    }
  });
});
