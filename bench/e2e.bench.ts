/**
 * End-to-end `ask` against node-llama-cpp called directly, in one run:
 *
 *   node --import tsx bench/e2e.bench.ts
 *
 * The whole market runs in this process, as `cocoon demo` does: a devnet
 * (@ton/sandbox behind the toncenter API), a provider wallet registered on chain
 * and served by startProviderNode (node-llama-cpp behind the encrypted protocol,
 * on-chain channel checks, file ledger), and a consumer that asks through ask():
 * registry read and liveness probe (no discovery cache: every query reads the
 * chain), channel state read, sealed request, streamed frames, verified receipt,
 * voucher saved and posted. A third arm asks with the registry read cached
 * for 15 s, as `cocoon ask` does by default. The baseline is node-llama-cpp alone: getLlama,
 * loadModel, LlamaCompletion with the same prompt, maxTokens, greedy sampling,
 * threads and context size. The arms take turns in rotating order so that drift
 * in machine load hits all alike; figures are medians.
 *
 * Model: COCOON_BENCH_MODEL, else COCOON_TEST_MODELS/stories260K.gguf, else
 * ../shared/models/stories260K.gguf. COCOON_BENCH_THREADS (default 1),
 * COCOON_BENCH_TOKENS (default 256), COCOON_BENCH_E2E_ROUNDS (default 21).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {toNano} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {getLlama, LlamaCompletion, LlamaLogLevel} from 'node-llama-cpp';
import {ChainClient} from '../src/chain/client.js';
import {fundFromFaucet} from '../src/devnet/faucet.js';
import {DevnetServer} from '../src/devnet/server.js';
import {explainExit} from '../src/chain/exit-messages.js';
import {parseAddress} from '../src/chain/units.js';
import {ask} from '../src/consumer/ask.js';
import {ChannelStore} from '../src/consumer/channel-store.js';
import {viewChannel} from '../src/consumer/channels.js';
import {FundingPolicy} from '../src/consumer/funding.js';
import {discoverProviders} from '../src/consumer/discovery.js';
import {generateNodeKey} from '../src/crypto/node-key.js';
import {createEngine} from '../src/inference/engine.js';
import {readGgufModelInfo} from '../src/inference/gguf.js';
import {modelSha256} from '../src/inference/hash.js';
import {startProviderNode} from '../src/provider/node.js';
import {buildProfile, registerProvider} from '../src/provider/registration.js';
import {WalletSender} from '../src/wallet/wallet-sender.js';
import {freePort} from '../test/helpers/disk.js';
import {emitResult, median, requireBenchModel} from './lib/result.js';

const modelPath = requireBenchModel('e2e.bench');
const threads = Number(process.env.COCOON_BENCH_THREADS ?? 1);
const maxTokens = Number(process.env.COCOON_BENCH_TOKENS ?? 256);
const rounds = Number(process.env.COCOON_BENCH_E2E_ROUNDS ?? 21);
// The provider's defaults (`provide register`): 0.05 / 0.2 TON per 1M prompt / completion tokens.
const PRICE_PROMPT = 50n;
const PRICE_COMPLETION = 200n;
const loadavgStart = os.loadavg()[0]!;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-e2e-bench-'));
// The discovery cache lives under COCOON_HOME: keep it away from the user's.
process.env.COCOON_HOME = path.join(dir, 'home');

/** One answer: wall time from the call to the first text and to the end, and the tokens it carried. */
interface Sample {
  ttftMs: number;
  totalMs: number;
  /** First text → last text (the stream's own rate). */
  streamMs: number;
  tokens: number;
  promptTokens: number;
}
const rate = (s: Sample) => s.tokens / (s.totalMs / 1000);
const streamRate = (s: Sample) => (s.tokens - 1) / (s.streamMs / 1000);

console.log(`# e2e bench: ${path.basename(modelPath)}, ${threads} thread(s), ${maxTokens} tokens greedy, ${rounds} rounds in rotating order; ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);

// --- the market, in process
const setupStarted = performance.now();
const server = await DevnetServer.start({dir: path.join(dir, 'devnet'), port: 0});
const client = await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`});
const registry = parseAddress(server.info().contracts.registry!);
async function wallet(ton: number) {
  const keyPair = await mnemonicToPrivateKey(await mnemonicNew());
  const sender = await WalletSender.create({client, keyPair, explainExit, pollMs: 20});
  await fundFromFaucet({url: server.url, address: sender.address, amount: toNano(ton)});
  return sender;
}
const providerSender = await wallet(5);
const consumerSender = await wallet(5);
const nodeKey = await generateNodeKey();
const info = await readGgufModelInfo(modelPath);
const sha256 = await modelSha256(modelPath, {cache: false});
const name = path.basename(modelPath).replace(/\.gguf$/i, '');
const port = await freePort();
await registerProvider(
  {client, registry, sender: providerSender},
  {
    profile: buildProfile(
      {model: name, architecture: info.architecture, modelSha256: sha256, contextSize: info.contextLength, queriesPerDay: 10_000, promptPrice: PRICE_PROMPT, completionPrice: PRICE_COMPLETION, endpoint: `http://127.0.0.1:${port}`},
      nodeKey,
    ),
    stake: toNano(1),
  },
);
const node = await startProviderNode({
  client,
  registry,
  wallet: providerSender.address,
  nodeKey,
  modelPath,
  createEngine: (o) => createEngine({...o, gpu: false, threads, hash: false}),
  hashModel: async () => sha256,
  ledgerDir: path.join(dir, 'provider-ledger'),
  port,
  claimThreshold: toNano(1), // the CLI's default; this run spends far less, so no claim happens mid-run
  settleIntervalMs: 3_600_000,
  minCloseDelay: 60,
});
const channels = new ChannelStore('devnet', path.join(dir, 'consumer-channels'));
const contextSize = node.engine.model.contextSize;
console.log(`market ready in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s: devnet ${server.url}, provider ${node.url}, context ${contextSize}`);

// The provider rate-limits each address (30 requests burst, 10/s, shared by
// /v1/info, /v1/query and /v1/voucher: an ask takes three), and the node offers
// no way to raise it, so requests are paced under it. The wait comes before the
// clock starts and is the same for every arm.
let lastStart = 0;
async function paced(gapMs: number): Promise<void> {
  const wait = lastStart + gapMs - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  lastStart = performance.now();
}

/** `cached`: reuse the registry read for 15 s (the CLI's default) instead of reading the chain for every query. */
const funding = new FundingPolicy({client, store: channels, wallet: async () => ({name: 'consumer', sender: consumerSender}), deposit: toNano(1), closeDelay: 3600, mode: 'never'});

async function viaAsk(prompt: string, cached = false): Promise<Sample> {
  await paced(350);
  const started = performance.now();
  let first = 0;
  let last = 0;
  const answer = await ask({
    client,
    registry,
    store: channels,
    prompt,
    maxTokens,
    temperature: 0,
    filter: {model: name},
    registryCacheMs: cached ? 15_000 : 0,
    onText: () => {
      last = performance.now();
      first ||= last;
    },
    // The bench channel holds 1 GRAM; this run spends a thousandth of it, so it is never topped up.
    funding,
  });
  const end = performance.now();
  if (!answer.voucherPosted) throw new Error('voucher not accepted');
  return {ttftMs: first - started, totalMs: end - started, streamMs: last - first, tokens: answer.usage.completionTokens, promptTokens: answer.usage.promptTokens};
}

// --- node-llama-cpp alone, same model, threads and context size
const llama = await getLlama({gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize, threads, sequences: 1});
const completion = new LlamaCompletion({contextSequence: context.getSequence()});

async function direct(prompt: string): Promise<Sample> {
  const started = performance.now();
  let first = 0;
  let last = 0;
  let tokens = 0;
  const promptTokens = model.tokenize(prompt, true).length;
  await completion.generateCompletion(prompt, {
    maxTokens,
    temperature: 0,
    onTextChunk: () => {
      last = performance.now();
      first ||= last;
    },
    onToken: (t) => (tokens += t.length),
  });
  const end = performance.now();
  return {ttftMs: first - started, totalMs: end - started, streamMs: last - first, tokens, promptTokens};
}

// Warm up both (the first ask also opens the channel on chain).
await viaAsk('Once upon a time');
await direct('Once upon a time');
await viaAsk('Once upon a time', true);
const a: Sample[] = [];
const b: Sample[] = [];
const c: Sample[] = [];
for (let i = 0; i < rounds; i++) {
  const prompt = `Once upon a time, story ${i + 1} began`;
  const arms = [async () => a.push(await direct(prompt)), async () => b.push(await viaAsk(prompt)), async () => c.push(await viaAsk(prompt, true))];
  for (let k = 0; k < arms.length; k++) await arms[(i + k) % arms.length]!();
}

const row = (f: (s: Sample) => number, arm = b) => {
  const da = median(a.map(f));
  const db = median(arm.map(f));
  return {direct: da, ask: db, ratioOfMedians: db / da, medianPairwiseRatio: median(a.map((s, i) => f(arm[i]!) / f(s)))};
};
const endToEnd = row(rate);
const streaming = row(streamRate);
const ttft = row((s) => s.ttftMs);
const ttftOverheadMs = median(a.map((s, i) => b[i]!.ttftMs - s.ttftMs));
const cachedRegistry = {endToEnd: row(rate, c), streaming: row(streamRate, c), ttftMs: row((s) => s.ttftMs, c), ttftOverheadMs: median(a.map((s, i) => c[i]!.ttftMs - s.ttftMs))};
const tokens = {direct: median(a.map((s) => s.tokens)), ask: median(b.map((s) => s.tokens)), askPrompt: median(b.map((s) => s.promptTokens))};
// Where the time before the first token goes: each chain read ask makes, timed alone.
const timeIt = async (work: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    await paced(150);
    const t = performance.now();
    await work();
    times.push(performance.now() - t);
  }
  return median(times);
};
const channelRecord = channels.get(providerSender.address.toRawString())!;
const breakdownMs = {
  registryReadAndProbe: await timeIt(() => discoverProviders({client, registry, filter: {model: name}, cacheMs: 0})),
  probeOnly: await timeIt(() => discoverProviders({client, registry, filter: {model: name}, cacheMs: 3_600_000})),
  registryReadOnly: await timeIt(() => discoverProviders({client, registry, filter: {model: name}, cacheMs: 0, liveness: false})),
  channelState: await timeIt(() => viewChannel(client, channelRecord)),
};
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});
console.log(`\n| | node-llama-cpp direct | cocoon ask | ask / direct (medians) | median pairwise |\n|---|---:|---:|---:|---:|`);
console.log(`| tokens/s, call → answer (ask: + receipt, voucher) | ${fmt(endToEnd.direct)} | ${fmt(endToEnd.ask)} | ${fmt(endToEnd.ratioOfMedians, 3)} | ${fmt(endToEnd.medianPairwiseRatio, 3)} |`);
console.log(`| tokens/s while streaming (first → last text) | ${fmt(streaming.direct)} | ${fmt(streaming.ask)} | ${fmt(streaming.ratioOfMedians, 3)} | ${fmt(streaming.medianPairwiseRatio, 3)} |`);
console.log(`| time to first text, ms | ${fmt(ttft.direct, 1)} | ${fmt(ttft.ask, 1)} | | |`);
console.log(`| tokens/s, call → answer, registry read cached 15 s (the CLI's default) | ${fmt(cachedRegistry.endToEnd.direct)} | ${fmt(cachedRegistry.endToEnd.ask)} | ${fmt(cachedRegistry.endToEnd.ratioOfMedians, 3)} | ${fmt(cachedRegistry.endToEnd.medianPairwiseRatio, 3)} |`);
console.log(`| time to first text, ms, registry read cached | ${fmt(cachedRegistry.ttftMs.direct, 1)} | ${fmt(cachedRegistry.ttftMs.ask, 1)} | | |`);
console.log(`time-to-first-token overhead of ask: ${fmt(ttftOverheadMs, 1)} ms, ${fmt(cachedRegistry.ttftOverheadMs, 1)} ms with the registry read cached (medians of pairwise differences)`);
console.log(`before the query, timed alone (medians of 11): registry read + /v1/info probe ${fmt(breakdownMs.registryReadAndProbe, 1)} ms (read alone ${fmt(breakdownMs.registryReadOnly, 1)}, probe with the read cached ${fmt(breakdownMs.probeOnly, 1)}), channel state ${fmt(breakdownMs.channelState, 1)} ms`);
console.log(`completion tokens per answer (median): direct ${tokens.direct}, ask ${tokens.ask}; load average ${loadavgStart.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}`);

await context.dispose();
await model.dispose();
await node.close();
await server.close();
fs.rmSync(dir, {recursive: true, force: true});
emitResult('e2e', {
  model: path.basename(modelPath),
  threads,
  maxTokens,
  rounds,
  contextSize,
  prices: {prompt: PRICE_PROMPT, completion: PRICE_COMPLETION},
  loadavgStart,
  tokens,
  endToEnd,
  streaming,
  ttftMs: ttft,
  ttftOverheadMs,
  cachedRegistry,
  breakdownMs,
});
