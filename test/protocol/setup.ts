import {isCocoonError} from '../../src/errors.js';
import {createHash} from 'node:crypto';
import {Address} from '@ton/core';
import {ed25519PublicKey} from '../../src/crypto/ed25519.js';
import {generateNodeKey, type NodeKey} from '../../src/crypto/node-key.js';
import {ProviderClient, type ProviderClientOptions} from '../../src/consumer/client.js';
import type {InferenceEngine} from '../../src/inference/types.js';
import {TableChannelGuard} from '../../src/provider/channel-guard.js';
import {MemoryChannelLedger} from '../../src/provider/ledger.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {createProviderServer, type ProviderServer, type ProviderServerOptions} from '../../src/provider/server.js';

/** Deterministic bytes for fixtures: SHA-256 chains of a label. */
export function bytes(label: string, n: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < n; i++) out.push(createHash('sha256').update(`${label}/${i}`).digest());
  return Buffer.concat(out).subarray(0, n);
}

export const PRICES = {prompt: 10n, completion: 30n};
export const MAX_PRICE = {prompt: 100n, completion: 100n};
export const CHANNEL = new Address(0, bytes('channel', 32));
export const CONSUMER_SEED = bytes('consumer', 32);

/** One provider node with the null engine (or another), one funded channel, and a client for it. */
export interface Rig {
  server: ProviderServer;
  nodeKey: NodeKey;
  guard: TableChannelGuard;
  ledger: MemoryChannelLedger;
  engine: InferenceEngine;
  client(overrides?: Partial<ProviderClientOptions>): ProviderClient;
  close(): Promise<void>;
}

/** Start a rig on 127.0.0.1:0. */
export async function startRig(
  options: Partial<ProviderServerOptions> & {deposit?: bigint} = {},
): Promise<Rig> {
  const nodeKey = await generateNodeKey(bytes('node', 64));
  const guard = new TableChannelGuard().set(CHANNEL, {deposit: options.deposit ?? 10n ** 12n, consumerKey: ed25519PublicKey(CONSUMER_SEED)});
  const ledger = new MemoryChannelLedger();
  const engine = options.engine ?? new NullEngine({tokens: 20});
  const server = await createProviderServer({engine, nodeKey, prices: PRICES, guard, ledger, ...options});
  return {
    server,
    nodeKey,
    guard,
    ledger,
    engine,
    client: (overrides = {}) =>
      new ProviderClient({
        endpoint: server.url,
        provider: {x25519PublicKey: nodeKey.x25519PublicKey, ed25519PublicKey: nodeKey.ed25519PublicKey},
        channel: CHANNEL,
        voucherKey: CONSUMER_SEED,
        ...overrides,
      }),
    close: () => server.close(),
  };
}

/** A fetch that passes requests to the real one and rewrites /v1/query response bodies. */
export function tamperingFetch(
  rewrite: (body: Uint8Array) => Uint8Array,
  log: string[] = [],
): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    log.push(url);
    const res = await fetch(input, init);
    if (!url.endsWith('/v1/query') || !res.ok) return res;
    const whole = new Uint8Array(await res.arrayBuffer());
    return new Response(rewrite(whole), {status: res.status, headers: res.headers});
  };
}

/** The CocoonError a promise rejects with, flattened for assertions (throws if it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<{code: string; wire?: unknown; message: string; details?: Record<string, unknown>}> {
  try {
    await p;
  } catch (err) {
    if (!isCocoonError(err)) throw err;
    return {code: err.code, wire: err.details?.wireCode, message: err.message, details: err.details};
  }
  throw new Error('expected a rejection');
}
