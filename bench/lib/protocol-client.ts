// The consumer side of bench/protocol.bench.ts's null-engine part, in its own
// process (forked by the bench), so the provider's process.cpuUsage() counts
// only the provider's work. Driven over the IPC channel: one message per
// phase, answered with the latencies measured here.
import {performance} from 'node:perf_hooks';
import {Address} from '@ton/core';
import {ProviderClient} from '../../src/consumer/client.js';
import {MemoryVoucherBook} from '../../src/consumer/voucher-book.js';

/** What the bench tells this process once, at start (argv[2], JSON). */
export interface ClientSetup {
  endpoint: string;
  x25519: string;
  ed25519: string;
  consumerSeed: string;
  prompt: string;
  tokens: number;
}

/** One phase: `consumers` closed loops of `perConsumer` sequential queries, each on its own channel (account id byte `channelByte + i`). */
export interface PhaseRequest {
  phase: string;
  consumers: number;
  perConsumer: number;
  channelByte: number;
  /** Post each answer's voucher before the next query (two requests per answer); else it rides on the next query (one). */
  postEach: boolean;
  /** Count the bytes of one answer's body (the wire-overhead figure). */
  countBytes?: boolean;
}

/** The answer to a phase. */
export interface PhaseResult {
  phase: string;
  queries: number;
  seconds: number;
  latenciesMs: number[];
  responseBytes?: number;
  textBytes?: number;
}

const setup = JSON.parse(process.argv[2]!) as ClientSetup;
const maxPrice = {prompt: 1000n, completion: 1000n};
const clients = new Map<number, ProviderClient>();
let received = 0;
const countingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (!String(input).endsWith('/v1/query')) return res;
  const buf = new Uint8Array(await res.arrayBuffer());
  received += buf.length;
  return new Response(buf, {status: res.status, headers: res.headers});
};

// One book per channel for the whole run: it keeps the channel's signed total between phases and clients.
const books = new Map<number, MemoryVoucherBook>();
function client(byte: number, counting: boolean): ProviderClient {
  const cached = clients.get(byte);
  if (cached && !counting) return cached;
  if (!books.has(byte)) books.set(byte, new MemoryVoucherBook());
  const c = new ProviderClient({
    endpoint: setup.endpoint,
    provider: {x25519PublicKey: Buffer.from(setup.x25519, 'hex'), ed25519PublicKey: Buffer.from(setup.ed25519, 'hex')},
    channel: new Address(0, Buffer.alloc(32, byte)),
    voucherKey: Buffer.from(setup.consumerSeed, 'hex'),
    book: books.get(byte),
    autoPay: false,
    ...(counting ? {fetch: countingFetch} : {}),
  });
  if (!counting) clients.set(byte, c);
  return c;
}

async function run(p: PhaseRequest): Promise<PhaseResult> {
  const lat: number[] = [];
  if (p.countBytes) {
    received = 0;
    const c = client(p.channelByte, true);
    const r = await c.query({model: 'null', prompt: setup.prompt, maxTokens: setup.tokens, maxPrice}).result();
    await c.payNewest();
    return {phase: p.phase, queries: 1, seconds: 0, latenciesMs: [], responseBytes: received, textBytes: Buffer.byteLength(r.text)};
  }
  const t0 = performance.now();
  await Promise.all(
    Array.from({length: p.consumers}, async (_, i) => {
      const c = client(p.channelByte + i, false);
      for (let q = 0; q < p.perConsumer; q++) {
        const t = performance.now();
        const r = await c.query({model: 'null', prompt: setup.prompt, maxTokens: setup.tokens, maxPrice}).result();
        if (p.postEach) await c.postVoucher(r.voucher.amount, r.voucher.signature);
        lat.push(performance.now() - t);
      }
      // The last answer's voucher has no next query to ride on.
      if (!p.postEach) await c.payNewest();
    }),
  );
  return {phase: p.phase, queries: p.consumers * p.perConsumer, seconds: (performance.now() - t0) / 1000, latenciesMs: lat};
}

process.on('message', (m: PhaseRequest | 'exit') => {
  if (m === 'exit') process.exit(0);
  run(m).then(
    (r) => process.send!(r),
    (err: unknown) => process.send!({error: String((err as Error)?.stack ?? err)}),
  );
});
process.send!('ready');
