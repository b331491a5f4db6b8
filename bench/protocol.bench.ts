// Protocol benchmark: `node --import tsx bench/protocol.bench.ts`.
// 1. raw crypto (request seal/open, secretstream frames) without HTTP;
// 2. the whole path (seal → HTTP → admission → open → null engine → frames →
//    verify → voucher) on 127.0.0.1 with the consumer in a forked process
//    (bench/lib/protocol-client.ts): queries/s, p50/p99 latency, provider CPU
//    per query (process.cpuUsage() here), bytes of overhead per token;
//    COCOON_BENCH_QUERIES sets the count, COCOON_BENCH_NULL_ONLY=1 runs only this part,
//    COCOON_BENCH_PROFILE=<dir> writes a CPU profile of the provider's main thread
//    over the sequential phase alone (read it with bench/lib/profile-summary.ts);
// 3. with the real engine (COCOON_BENCH_MODEL, or COCOON_TEST_MODELS/stories260K.gguf):
//    streamed tokens/s through the protocol against the engine alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {fork} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {isMainThread, parentPort, Worker, workerData} from 'node:worker_threads';
import {Session} from 'node:inspector/promises';
import {Address} from '@ton/core';
import {ProviderClient} from '../src/consumer/client.js';
import {ed25519PublicKey} from '../src/crypto/ed25519.js';
import {generateNodeKey} from '../src/crypto/node-key.js';
import {openRequest, sealRequest} from '../src/protocol/envelope.js';
import {StreamOpener, StreamSealer} from '../src/crypto/response-stream.js';
import type {InferenceEngine} from '../src/inference/types.js';
import {encodeTextPayload} from '../src/protocol/frames.js';
import {encodeQueryRequest} from '../src/protocol/request.js';
import {TableChannelGuard} from '../src/provider/channel-guard.js';
import {NullEngine} from '../src/provider/null-engine.js';
import {createProviderServer} from '../src/provider/server.js';
import {emitResult} from './lib/result.js';
import type {ClientSetup, PhaseRequest, PhaseResult} from './lib/protocol-client.js';

const channel = new Address(0, Buffer.alloc(32, 7));
const consumerSeed = Buffer.alloc(32, 9);
const maxPrice = {prompt: 1000n, completion: 1000n};
const prompt = 'Once upon a time there was a little fox who wanted to see the sea.';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});

async function rawCrypto() {
  const node = await generateNodeKey();
  const queryId = Buffer.alloc(16, 1);
  const plaintext = encodeQueryRequest({queryId, timestamp: Date.now(), channel, model: 'null', prompt, params: {}, maxTokens: 32, maxPrice});
  const n = 2000;
  let t = performance.now();
  const bodies = [];
  for (let i = 0; i < n; i++) bodies.push((await sealRequest({recipientKey: node.x25519PublicKey, plaintext, queryId, timestamp: 1})).body);
  const sealUs = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  for (const b of bodies) await openRequest(b, node.x25519SecretKey);
  const openUs = ((performance.now() - t) * 1000) / n;
  const key = Buffer.alloc(32, 3);
  const frames = 100_000;
  const payload = encodeTextPayload(' token');
  const sealer = await StreamSealer.create(key);
  t = performance.now();
  const cts = [];
  for (let i = 0; i < frames; i++) cts.push(sealer.push(payload, false));
  const pushUs = ((performance.now() - t) * 1000) / frames;
  const opener = await StreamOpener.create(key, sealer.header);
  t = performance.now();
  for (const c of cts) opener.pull(c);
  const pullUs = ((performance.now() - t) * 1000) / frames;
  sealer.dispose();
  opener.dispose();
  console.log('## raw crypto (no HTTP)');
  console.log(`request seal (X25519 + HKDF + XChaCha20-Poly1305, ${plaintext.length} B): ${fmt(sealUs, 1)} µs  (${fmt(1e6 / sealUs)}/s)`);
  console.log(`request open:                                             ${fmt(openUs, 1)} µs  (${fmt(1e6 / openUs)}/s)`);
  console.log(`secretstream push / pull per token frame:                 ${fmt(pushUs, 2)} / ${fmt(pullUs, 2)} µs`);
  console.log(`raw seal+open per query: ${fmt(sealUs + openUs, 1)} µs → at most ${fmt(1e6 / (sealUs + openUs))} queries/s on one core`);
  return {requestBytes: plaintext.length, sealUs, openUs, pushUs, pullUs};
}

async function startNode(engine: InferenceEngine) {
  const nodeKey = await generateNodeKey();
  const guard = new TableChannelGuard().set(channel, {deposit: 10n ** 18n, consumerKey: ed25519PublicKey(consumerSeed)});
  const server = await createProviderServer({engine, nodeKey, prices: {prompt: 1n, completion: 2n}, guard, rateLimit: {capacity: 1e9, refillPerSecond: 1e9}, maxTokens: 100_000});
  return {server, nodeKey, guard};
}

/** Provider CPU time (this process: user + system, every thread) over a run, in µs. */
function cpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

/**
 * With COCOON_BENCH_PROFILE=<dir>: start V8's CPU profiler on this (the
 * provider's) main thread; the function returned stops it and writes the
 * profile there. The profiler's own sampling costs CPU: read the profile for
 * where time goes, never its run's queries per CPU-second.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const dir = process.env.COCOON_BENCH_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', {interval: 100});
  await session.post('Profiler.start');
  // And where it allocates (sampled every 4 KiB), which is what the garbage collector's share of the CPU follows.
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true});
  return async () => {
    const {profile} = await session.post('Profiler.stop');
    const {profile: heap} = await session.post('HeapProfiler.stopSampling');
    fs.mkdirSync(dir, {recursive: true});
    const stamp = Date.now();
    const file = path.join(dir, `provider-sequential-${stamp}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    fs.writeFileSync(path.join(dir, `provider-sequential-${stamp}.heapprofile`), JSON.stringify(heap));
    session.disconnect();
    console.log(`CPU and allocation profiles of the provider over the sequential phase: ${file}, .heapprofile beside it`);
  };
}

/**
 * The null-engine path with the consumer in another process (forked, its own
 * event loop and V8), so that this process's CPU time is the provider's alone:
 * queries per provider CPU-second is what a provider machine could serve.
 */
async function fullPath() {
  const tokens = 32;
  const node = await startNode(new NullEngine({tokens}));
  const channelBytes = {sequential: 7, posted: 60, concurrent: 100};
  const consumers = 8;
  for (let i = 0; i < consumers; i++) node.guard.set(new Address(0, Buffer.alloc(32, channelBytes.concurrent + i)), {deposit: 10n ** 18n, consumerKey: ed25519PublicKey(consumerSeed)});
  node.guard.set(new Address(0, Buffer.alloc(32, channelBytes.posted)), {deposit: 10n ** 18n, consumerKey: ed25519PublicKey(consumerSeed)});
  const setup: ClientSetup = {
    endpoint: node.server.url,
    x25519: Buffer.from(node.nodeKey.x25519PublicKey).toString('hex'),
    ed25519: Buffer.from(node.nodeKey.ed25519PublicKey).toString('hex'),
    consumerSeed: consumerSeed.toString('hex'),
    prompt,
    tokens,
  };
  // Its own process, not a worker: a worker's CPU time would count as this process's.
  const child = fork(fileURLToPath(new URL('./lib/protocol-client.ts', import.meta.url)), [JSON.stringify(setup)], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`protocol client exited with ${code}`)));
  });
  const phase = (p: PhaseRequest) =>
    new Promise<PhaseResult & {providerCpuUs: number; providerSystemUs: number}>((resolve, reject) => {
      const cpu = process.cpuUsage();
      child.once('message', (m: PhaseResult | {error: string}) => ('error' in m ? reject(new Error(m.error)) : resolve({...m, providerCpuUs: cpuMicros(cpu), providerSystemUs: process.cpuUsage(cpu).system})));
      child.send(p);
    });
  const load = (r: PhaseResult & {providerCpuUs: number; providerSystemUs: number}) => {
    const lat = [...r.latenciesMs].sort((a, b) => a - b);
    return {
      queries: r.queries,
      qps: r.queries / r.seconds,
      p50Ms: pct(lat, 50),
      p99Ms: pct(lat, 99),
      providerCpuUsPerQuery: r.providerCpuUs / r.queries,
      providerSystemUsPerQuery: r.providerSystemUs / r.queries,
      queriesPerProviderCpuS: r.queries / (r.providerCpuUs / 1e6),
    };
  };
  const n = Number(process.env.COCOON_BENCH_QUERIES ?? 2000);
  await phase({phase: 'warm-up', consumers: 1, perConsumer: 300, channelByte: channelBytes.sequential, postEach: false});
  await phase({phase: 'warm-up', consumers: 1, perConsumer: 100, channelByte: channelBytes.posted, postEach: true});
  const profile = await startProfile();
  const sequential = load(await phase({phase: 'sequential', consumers: 1, perConsumer: n, channelByte: channelBytes.sequential, postEach: false}));
  await profile?.();
  const posted = load(await phase({phase: 'posted', consumers: 1, perConsumer: Math.ceil(n / 2), channelByte: channelBytes.posted, postEach: true}));
  const concurrent = {consumers, ...load(await phase({phase: 'concurrent', consumers, perConsumer: Math.ceil(n / consumers), channelByte: channelBytes.concurrent, postEach: false}))};
  // Bytes on the wire for one answer, against the text it carries.
  const counted = await phase({phase: 'bytes', consumers: 1, perConsumer: 1, channelByte: channelBytes.sequential, postEach: false, countBytes: true});
  child.send('exit');
  const responseBytes = counted.responseBytes!;
  const textBytes = counted.textBytes!;
  const overhead = (responseBytes - textBytes) / tokens;
  const perTokenFrame = 4 + 17 + 1;
  const line = (what: string, l: ReturnType<typeof load>) =>
    `${what}: ${fmt(l.qps)} queries/s, latency p50 ${fmt(l.p50Ms, 2)} ms, p99 ${fmt(l.p99Ms, 2)} ms; provider ${fmt(l.providerCpuUsPerQuery)} µs CPU per query (${fmt(l.providerSystemUsPerQuery)} of it system) = ${fmt(l.queriesPerProviderCpuS)} queries per provider CPU-second`;
  console.log(`\n## full path, null engine, ${tokens} tokens per answer, the consumer in another process`);
  console.log(line(`1 consumer, sequential, voucher riding on the next query (${n})`, sequential));
  console.log(line(`1 consumer, sequential, voucher posted after each (${posted.queries})`, posted));
  console.log(line(`${consumers} consumers (${consumers} channels) at once (${concurrent.queries})`, concurrent));
  console.log(`response: ${responseBytes} B for ${textBytes} B of text → ${fmt(overhead, 1)} B overhead per token (${perTokenFrame} B per text frame + 32 B preamble + 205 B final frame, amortised)`);
  await node.server.close();
  return {tokens, clientProcess: true, sequential, posted, concurrent, wire: {responseBytes, textBytes, overheadPerToken: overhead}};
}

/** Rates of one answer: over the whole query, and from the first text to the end (the stream's own rate). */
interface Rates {
  total: number;
  steady: number;
  ttftMs: number;
}

function rates(tokens: number, start: number, first: number, end: number): Rates {
  return {total: tokens / ((end - start) / 1000), steady: (tokens - 1) / ((end - first) / 1000), ttftMs: first - start};
}

function benchModel(): string | undefined {
  const explicit = process.env.COCOON_BENCH_MODEL;
  if (explicit) return explicit;
  const dir = process.env.COCOON_TEST_MODELS ?? path.resolve('../shared/models');
  const file = path.join(dir, 'stories260K.gguf');
  return fs.existsSync(file) ? file : undefined;
}

async function realEngine() {
  const modelPath = benchModel();
  if (!modelPath) {
    console.log('\n## real engine: skipped (set COCOON_BENCH_MODEL or COCOON_TEST_MODELS)');
    return undefined;
  }
  const {createEngine} = await import('../src/inference/engine.js');
  const engine = await createEngine({modelPath, threads: Number(process.env.COCOON_BENCH_THREADS ?? 1), parallel: 1, hash: false});
  const maxTokens = Number(process.env.COCOON_BENCH_TOKENS ?? 256);
  const story = 'Once upon a time, there was a little girl named Lily.';
  const direct = async (): Promise<Rates> => {
    const t = performance.now();
    let first = 0;
    let n = 0;
    for await (const e of engine.generate({prompt: story, maxTokens, temperature: 0})) {
      if (e.type === 'text') first ||= performance.now();
      else n = e.usage.completionTokens;
    }
    return rates(n, t, first, performance.now());
  };
  const node = await startNode(engine);
  // The consumer runs on its own thread, as it would on its own machine: the
  // provider's event loop then carries only the provider's share of the work.
  // Workers don't inherit tsx's loader hooks: register them, then load this file.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: {
      endpoint: node.server.url,
      x25519: Buffer.from(node.nodeKey.x25519PublicKey).toString('hex'),
      ed25519: Buffer.from(node.nodeKey.ed25519PublicKey).toString('hex'),
      model: engine.model.name,
      prompt: story,
      maxTokens,
    },
  });
  const viaProtocol = () =>
    new Promise<Rates>((resolve, reject) => {
      worker.once('message', (m: {rates?: Rates; error?: string}) => (m.error ? reject(new Error(m.error)) : resolve(m.rates!)));
      worker.postMessage('run');
    });
  await direct();
  await viaProtocol();
  const runs = Number(process.env.COCOON_BENCH_RUNS ?? 100);
  const a: Rates[] = [];
  const b: Rates[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate in ABBA order, so drift in machine load and any first/second
    // position effect hit both sides alike; pairwise ratios are robust to it.
    if (i % 2 === 0) {
      a.push(await direct());
      b.push(await viaProtocol());
    } else {
      b.push(await viaProtocol());
      a.push(await direct());
    }
  }
  const median = (xs: number[]) => pct([...xs].sort((x, y) => x - y), 50);
  const row = (k: keyof Rates) => {
    const ea = median(a.map((r) => r[k]));
    const eb = median(b.map((r) => r[k]));
    const pair = median(a.map((r, i) => b[i]![k] / r[k]));
    return {ea, eb, pair};
  };
  const total = row('total');
  const steady = row('steady');
  const ttft = row('ttftMs');
  console.log(`\n## real engine: ${path.basename(modelPath)}, backend ${engine.backend}, ${maxTokens} tokens greedy, ${runs} alternating runs (medians)`);
  console.log('consumer on its own thread; protocol = seal, HTTP, admission, open, frames, receipt verified (voucher posted after the clock stops)');
  const line = (r: typeof total) => `engine ${fmt(r.ea)} tokens/s, protocol ${fmt(r.eb)} tokens/s, ratio of medians ${fmt(r.eb / r.ea, 3)}, median pairwise ratio ${fmt(r.pair, 3)}`;
  console.log(`end to end:      ${line(total)}`);
  console.log(`while streaming: ${line(steady)} (first text → last token)`);
  console.log(`time to first text: engine ${fmt(ttft.ea, 1)} ms, protocol ${fmt(ttft.eb, 1)} ms`);
  await worker.terminate();
  await node.server.close();
  await engine.dispose();
  const plain = (r: typeof total) => ({engine: r.ea, protocol: r.eb, ratioOfMedians: r.eb / r.ea, medianPairwiseRatio: r.pair});
  return {model: path.basename(modelPath), backend: engine.backend, maxTokens, runs, endToEnd: plain(total), streaming: plain(steady), ttftMs: {engine: ttft.ea, protocol: ttft.eb}};
}

/** Consumer side of the real-engine run, in a worker thread. */
async function consumerWorker(): Promise<void> {
  const d = workerData as {endpoint: string; x25519: string; ed25519: string; model: string; prompt: string; maxTokens: number};
  const client = new ProviderClient({
    endpoint: d.endpoint,
    provider: {x25519PublicKey: Buffer.from(d.x25519, 'hex'), ed25519PublicKey: Buffer.from(d.ed25519, 'hex')},
    channel,
    voucherKey: consumerSeed,
    autoPay: false,
  });
  parentPort!.on('message', async () => {
    try {
      // Streaming ends when the final frame is verified; the voucher is posted after the clock stops.
      const t = performance.now();
      let first = 0;
      const stream = client.query({model: d.model, prompt: d.prompt, maxTokens: d.maxTokens, maxPrice, params: {temperature: 0}});
      for await (const _ of stream) first ||= performance.now();
      const r = await stream.result();
      const measured = rates(r.usage.completionTokens, t, first, performance.now());
      await client.postVoucher(r.voucher.amount, r.voucher.signature);
      parentPort!.postMessage({rates: measured});
    } catch (err) {
      parentPort!.postMessage({error: String(err)});
    }
  });
}

if (!isMainThread) {
  await consumerWorker();
} else {
console.log(`# protocol bench — ${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, Node ${process.version}`);
const loadavgStart = os.loadavg()[0];
const crypto = process.env.COCOON_BENCH_NULL_ONLY ? undefined : await rawCrypto();
const full = await fullPath();
const real = process.env.COCOON_BENCH_NULL_ONLY ? undefined : await realEngine();
emitResult('protocol', {loadavgStart, crypto, fullPath: full, realEngine: real});
}
