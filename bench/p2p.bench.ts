// libp2p benchmark: `npm run bench -- p2p` (or `node --import tsx bench/p2p.bench.ts`).
// On loopback, a provider (real engine, stories260K by default) that serves both on a TCP port and through
// a circuit relay v2 (`startRelay`, in its own process so its CPU time is its own); the consumer on its own
// thread. Measures (docs/p2p.md):
// 1. relayed ÷ direct `ask` on 256-token answers, warm connections, ABBA-alternating runs (medians);
// 2. time to first text added by the relay on a warm connection, against the relayed connection's ping RTT;
// 3. relay throughput: MB of payload (Noise frames) forwarded per relay CPU-second, and per wall second;
// 4. cold costs apart: reservation (provider dial + Noise + yamux + reserve), consumer dial (relay dial +
//    handshakes + circuit + end-to-end Noise) and the first request on a fresh connection.
// COCOON_BENCH_RUNS (default 30), COCOON_BENCH_TOKENS (256), COCOON_BENCH_P2P_MIB (32), COCOON_BENCH_COLD (8).
import {fork} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads';
import {Address} from '@ton/core';
import {emitResult, findBenchModel} from './lib/result.js';
import {ProviderClient} from '../src/consumer/client.js';
import {P2pDialer, type P2pPeer} from '../src/consumer/p2p-transport.js';
import {ed25519PublicKey} from '../src/crypto/ed25519.js';
import {generateNodeKey} from '../src/crypto/node-key.js';
import {startHttpServer} from '../src/http/server.js';
import {TableChannelGuard} from '../src/provider/channel-guard.js';
import {createProviderServer} from '../src/provider/server.js';
import {startP2pEndpoint} from '../src/provider/p2p-endpoint.js';

const channel = new Address(0, Buffer.alloc(32, 7));
const consumerSeed = Buffer.alloc(32, 9);
const maxPrice = {prompt: 1000n, completion: 1000n};
const story = 'Once upon a time, there was a little girl named Lily.';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, d = 1) => n.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});

interface Run {
  totalMs: number;
  ttftMs: number;
  tokens: number;
}

async function main() {
  const modelPath = findBenchModel();
  if (!modelPath) throw new Error('p2p bench: no model (COCOON_BENCH_MODEL or COCOON_TEST_MODELS)');
  const relayProc = fork(fileURLToPath(new URL('./lib/p2p-relay.ts', import.meta.url)), {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  process.once('exit', () => relayProc.kill());
  const ask = <T>(m: string) => new Promise<T>((resolve) => relayProc.once('message', (r) => resolve(r as T)) && relayProc.send(m));
  const {addrs} = await new Promise<{addrs: string[]}>((resolve) => relayProc.once('message', (m) => resolve(m as {addrs: string[]})));
  const relayAddr = addrs[0]!;
  const relayCpu = async () => (await ask<{cpuUs: number}>('cpu')).cpuUs;

  const {createEngine} = await import('../src/inference/engine.js');
  const engine = await createEngine({modelPath, threads: 1, parallel: 1, hash: false});
  const maxTokens = Number(process.env.COCOON_BENCH_TOKENS ?? 256);
  const nodeKey = await generateNodeKey();
  const guard = new TableChannelGuard().set(channel, {deposit: 10n ** 18n, consumerKey: ed25519PublicKey(consumerSeed)});
  const server = await createProviderServer({engine, nodeKey, prices: {prompt: 1n, completion: 2n}, guard, rateLimit: {capacity: 1e9, refillPerSecond: 1e9}, maxTokens: 100_000});

  // 4a. Reservation, cold: a fresh identity each time.
  const reserveMs: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t = performance.now();
    const ep = await startP2pEndpoint({nodeSeed: randomBytes(32), relays: [relayAddr], accept: (s) => s.destroy(), retryMs: 20});
    await ep.ready();
    reserveMs.push(performance.now() - t);
    await ep.close();
  }
  const endpoint = await startP2pEndpoint({nodeSeed: nodeKey.ed25519Seed, relays: [relayAddr], accept: (s) => server.accept(s)});
  await endpoint.ready();
  // A bulk route for the throughput run, on its own libp2p endpoint (no HTTP port either).
  const mib = Number(process.env.COCOON_BENCH_P2P_MIB ?? 32);
  const bulk = await startHttpServer({
    port: null,
    handle: async (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 1);
      res.writeHead(200, {'content-type': 'application/octet-stream', 'content-length': String(mib * 1024 * 1024)});
      for (let i = 0; i < mib * 16; i++) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      res.end();
    },
  });
  const bulkEp = await startP2pEndpoint({nodeSeed: randomBytes(32), relays: [relayAddr], accept: (s) => bulk.accept(s)});
  await bulkEp.ready();

  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: {
      direct: server.url,
      peer: {peerId: endpoint.peerId, relays: [relayAddr]} satisfies P2pPeer,
      bulkPeer: {peerId: bulkEp.peerId, relays: [relayAddr]} satisfies P2pPeer,
      x25519: Buffer.from(nodeKey.x25519PublicKey).toString('hex'),
      ed25519: Buffer.from(nodeKey.ed25519PublicKey).toString('hex'),
      model: engine.model.name,
      maxTokens,
    },
  });
  const call = <T>(m: object) =>
    new Promise<T>((resolve, reject) => {
      worker.once('message', (r: {error?: string; value?: T}) => (r.error ? reject(new Error(r.error)) : resolve(r.value as T)));
      worker.postMessage(m);
    });

  // 4b. Consumer cold dial and first request.
  const cold = await call<{dialMs: number[]; firstMs: number[]}>({op: 'cold', n: Number(process.env.COCOON_BENCH_COLD ?? 8)});

  // 1–2. Warm answers, alternating.
  await call<Run>({op: 'ask', mode: 'direct'});
  await call<Run>({op: 'ask', mode: 'relay'});
  const runs = Number(process.env.COCOON_BENCH_RUNS ?? 30);
  const a: Run[] = [];
  const b: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['direct', 'relay'] : ['relay', 'direct'];
    for (const mode of order) (mode === 'direct' ? a : b).push(await call<Run>({op: 'ask', mode}));
  }
  const rttMs = await call<number>({op: 'ping'});

  // 3. Throughput through the relay.
  await call<{bytes: number; ms: number}>({op: 'bulk'});
  const cpu0 = await relayCpu();
  const bulkRun = await call<{bytes: number; ms: number}>({op: 'bulk'});
  const relayCpuS = ((await relayCpu()) - cpu0) / 1e6;

  const rate = (r: Run) => r.tokens / (r.totalMs / 1000);
  const ratio = median(a.map((r, i) => rate(b[i]!) / rate(r)));
  const ratioOfMedians = median(b.map(rate)) / median(a.map(rate));
  const ttft = {direct: median(a.map((r) => r.ttftMs)), relay: median(b.map((r) => r.ttftMs))};
  const addedTtft = median(a.map((r, i) => b[i]!.ttftMs - r.ttftMs));
  const mb = bulkRun.bytes / 1e6;
  const result = {
    model: path.basename(modelPath),
    maxTokens,
    runs,
    tokens: median(a.map((r) => r.tokens)),
    askRatio: {medianPairwise: ratio, ofMedians: ratioOfMedians, directTokensPerS: median(a.map(rate)), relayTokensPerS: median(b.map(rate))},
    ttftMs: {...ttft, addedMedianPairwise: addedTtft, relayRttMs: rttMs},
    throughput: {mb, wallS: bulkRun.ms / 1000, relayCpuS, mbPerRelayCpuS: mb / relayCpuS, mbPerWallS: mb / (bulkRun.ms / 1000)},
    cold: {reservationMs: median(reserveMs), dialMs: median(cold.dialMs), firstRequestMs: median(cold.firstMs)},
  };
  console.log(`## p2p on loopback: ${result.model}, ${maxTokens}-token answers (median ${result.tokens}), ${runs} ABBA runs, consumer on its own thread, relay in its own process`);
  console.log(`relayed ÷ direct ask (tokens/s end to end): ${fmt(ratio, 3)} median pairwise, ${fmt(ratioOfMedians, 3)} of medians (${fmt(result.askRatio.relayTokensPerS, 0)} vs ${fmt(result.askRatio.directTokensPerS, 0)} tokens/s)`);
  console.log(`time to first text, warm: direct ${fmt(ttft.direct)} ms, relayed ${fmt(ttft.relay)} ms, added ${fmt(addedTtft, 2)} ms (relayed ping RTT ${fmt(rttMs, 2)} ms)`);
  console.log(`relay throughput: ${fmt(mb, 0)} MB in ${fmt(result.throughput.wallS, 2)} s (${fmt(result.throughput.mbPerWallS)} MB/s wall), relay CPU ${fmt(relayCpuS, 2)} s → ${fmt(result.throughput.mbPerRelayCpuS)} MB per relay CPU-second`);
  console.log(`cold: reservation ${fmt(result.cold.reservationMs)} ms, consumer dial (relay + handshakes + circuit) ${fmt(result.cold.dialMs)} ms, first request on it ${fmt(result.cold.firstRequestMs)} ms`);
  await worker.terminate();
  await bulkEp.close();
  await endpoint.close();
  await bulk.close();
  await server.close();
  await engine.dispose();
  relayProc.send('stop');
  emitResult('p2p', result);
}

async function consumer(): Promise<void> {
  const d = workerData as {direct: string; peer: P2pPeer; bulkPeer: P2pPeer; x25519: string; ed25519: string; model: string; maxTokens: number};
  const dialer = new P2pDialer();
  const keys = {x25519PublicKey: Buffer.from(d.x25519, 'hex'), ed25519PublicKey: Buffer.from(d.ed25519, 'hex')};
  const base = {provider: keys, channel, voucherKey: consumerSeed, autoPay: false};
  const clients = {
    direct: new ProviderClient({...base, endpoint: d.direct}),
    relay: new ProviderClient({...base, endpoint: `libp2p://${d.peer.peerId}`, transport: dialer.transport(d.peer)}),
  };
  const handlers: Record<string, (m: any) => Promise<unknown>> = {
    ask: async (m: {mode: 'direct' | 'relay'}) => {
      const client = clients[m.mode];
      const t = performance.now();
      let first = 0;
      const stream = client.query({model: d.model, prompt: story, maxTokens: d.maxTokens, maxPrice, params: {temperature: 0}});
      for await (const _ of stream) first ||= performance.now();
      const r = await stream.result();
      const run: Run = {totalMs: performance.now() - t, ttftMs: first - t, tokens: r.usage.completionTokens};
      await client.postVoucher(r.voucher.amount, r.voucher.signature);
      return run;
    },
    // A request-response round trip on the warm relayed connection (GET /healthz over a kept-alive stream):
    // an upper bound on the relay's RTT (it includes the provider's ~0.1 ms to answer).
    ping: async () => {
      const transport = dialer.transport(d.peer);
      const rtts: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        const res = await transport(`libp2p://${d.peer.peerId}/healthz`, {method: 'GET'});
        await res.json();
        rtts.push(performance.now() - t);
      }
      return median(rtts);
    },
    cold: async (m: {n: number}) => {
      const dialMs: number[] = [];
      const firstMs: number[] = [];
      for (let i = 0; i < m.n; i++) {
        const fresh = new P2pDialer();
        await fresh.connection({peerId: d.bulkPeer.peerId, relays: []}).catch(() => undefined); // starts the node only
        const t = performance.now();
        await fresh.connection(d.peer);
        dialMs.push(performance.now() - t);
        const t2 = performance.now();
        const res = await fresh.transport(d.peer)(`libp2p://${d.peer.peerId}/v1/info`, {method: 'GET'});
        await res.json();
        firstMs.push(performance.now() - t2);
        await fresh.close();
      }
      return {dialMs, firstMs};
    },
    bulk: async () => {
      const t = performance.now();
      const res = await dialer.transport(d.bulkPeer)(`libp2p://${d.bulkPeer.peerId}/bulk`, {method: 'GET'});
      let bytes = 0;
      for await (const c of res.body!) bytes += c.byteLength;
      return {bytes, ms: performance.now() - t};
    },
  };
  parentPort!.on('message', (m: {op: string}) => {
    handlers[m.op]!(m).then(
      (value) => parentPort!.postMessage({value}),
      (error: unknown) => parentPort!.postMessage({error: `${m.op}: ${String((error as Error)?.stack ?? error)}`}),
    );
  });
}

if (!isMainThread) await consumer();
else await main();
