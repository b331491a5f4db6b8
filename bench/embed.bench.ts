/**
 * Embeddings through the protocol against node-llama-cpp's embedding context
 * called directly (standalone):
 *
 *   node --import tsx bench/embed.bench.ts
 *
 * Same model (COCOON_BENCH_MODEL, else $COCOON_TEST_MODELS/stories260K.gguf),
 * threads (COCOON_BENCH_THREADS, default 1) and texts. Alternating rounds
 * (COCOON_BENCH_EMBED_ROUNDS, default 9), medians:
 *   1. texts/s of a batch of 32 texts in one paid query (sealed, embedded,
 *      streamed as vector frames, receipt checked, voucher posted) ÷ direct;
 *   2. one short text: the time the paid query adds over embedding it directly.
 * The provider runs in this process on loopback (in-memory ledger and channel
 * table, no chain), so the figures are the protocol's cost alone.
 */
import {performance} from 'node:perf_hooks';
import {getLlama, LlamaLogLevel} from 'node-llama-cpp';
import {createEmbedder} from '../src/inference/embedder.js';
import {CHANNEL, MAX_PRICE, startRig} from '../test/protocol/setup.js';
import {emitResult, median, requireBenchModel} from './lib/result.js';

const modelPath = requireBenchModel('embed.bench');
const threads = Number(process.env.COCOON_BENCH_THREADS ?? 1);
const rounds = Number(process.env.COCOON_BENCH_EMBED_ROUNDS ?? 9);
const contextSize = 256;
const batch = Array.from({length: 32}, (_, i) => `Once upon a time, in story number ${i + 1}, a little cat found a red ball in the park and ran home.`);
const short = 'a cat on a mat';

const llama = await getLlama({gpu: false, build: 'never', logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath});
const direct = await model.createEmbeddingContext({contextSize, threads});
const embedder = await createEmbedder({modelPath, threads, gpu: false, hash: false, contextSize});
const rig = await startRig({engine: embedder});
let client = rig.client();

async function directRun(texts: string[]): Promise<number> {
  const t = performance.now();
  for (const text of texts) await direct.getEmbeddingFor(text);
  return performance.now() - t;
}
async function networkRun(texts: string[]): Promise<number> {
  const t = performance.now();
  const r = await client.query({model: embedder.model.name, input: texts, maxTokens: 0, maxPrice: MAX_PRICE}).result();
  if (r.vectors!.length !== texts.length || !r.voucherPosted) throw new Error('embedding answer incomplete');
  return performance.now() - t;
}

// Warm both paths (the first query opens the connection and the channel's ledger record).
await directRun(batch.slice(0, 4));
await networkRun(batch.slice(0, 4));
client = rig.client({paid: (await rig.ledger.get(CHANNEL.toRawString()))!.paid});

const batchMs = {direct: [] as number[], network: [] as number[]};
const shortMs = {direct: [] as number[], network: [] as number[]};
for (let i = 0; i < rounds; i++) {
  // ABBA within a round, so a drift in the machine's speed hits both alike.
  batchMs.direct.push(await directRun(batch));
  batchMs.network.push(await networkRun(batch));
  shortMs.network.push(await networkRun([short]));
  shortMs.direct.push(await directRun([short]));
}
const perS = (ms: number) => (batch.length * 1000) / ms;
const result = {
  model: modelPath.split('/').pop(),
  dimensions: embedder.model.dimensions,
  threads,
  rounds,
  batch: {texts: batch.length, directTextsPerS: perS(median(batchMs.direct)), networkTextsPerS: perS(median(batchMs.network)), ratio: median(batchMs.direct) / median(batchMs.network)},
  single: {directMs: median(shortMs.direct), networkMs: median(shortMs.network), addedMs: median(shortMs.network) - median(shortMs.direct)},
};
console.log(`batch of ${batch.length}: ${result.batch.networkTextsPerS.toFixed(0)} texts/s paid over the protocol ÷ ${result.batch.directTextsPerS.toFixed(0)} direct = ${result.batch.ratio.toFixed(3)}`);
console.log(`one text: ${result.single.networkMs.toFixed(2)} ms paid vs ${result.single.directMs.toFixed(2)} ms direct (+${result.single.addedMs.toFixed(2)} ms)`);
await rig.close();
await embedder.dispose();
await direct.dispose();
await model.dispose();
emitResult('embed', result);
