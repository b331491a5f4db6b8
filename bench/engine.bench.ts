/**
 * Engine overhead and concurrency benchmark (standalone):
 *
 *   node --import tsx bench/engine.bench.ts
 *
 * Model: COCOON_BENCH_MODEL, else $COCOON_TEST_MODELS/stories260K.gguf, else the
 * tiny GGUF the tests write. Threads: COCOON_BENCH_THREADS (default 1).
 *
 * 1. Generation tokens/s of the engine against node-llama-cpp called directly
 *    (same model, threads, context size, input tokens and greedy sampling),
 *    alternating rounds, median of each; prints the ratio (goal >= 0.98).
 *    Both wall-clock tokens/s and tokens per CPU-second of this process are
 *    given: on a shared machine the CPU-time figure is the fair one, as other
 *    processes' load only slows the wall clock.
 * 2. Aggregate generation tokens/s at 1, 2, 4 and 8 parallel sequences (an
 *    engine per level with that many sequences, median of 5 rounds).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {getLlama, LlamaCompletion, LlamaLogLevel} from 'node-llama-cpp';
import {Channel} from '../src/inference/channel.js';
import {createEngine} from '../src/inference/engine.js';
import {writeTinyGguf} from '../test/helpers/tiny-gguf.js';
import {emitResult} from './lib/result.js';

function pickModel(): string {
  if (process.env.COCOON_BENCH_MODEL) return process.env.COCOON_BENCH_MODEL;
  const shared = process.env.COCOON_TEST_MODELS && path.join(process.env.COCOON_TEST_MODELS, 'stories260K.gguf');
  if (shared && fs.existsSync(shared)) return shared;
  return writeTinyGguf();
}

const modelPath = pickModel();
const threads = Number(process.env.COCOON_BENCH_THREADS ?? 1);
const rounds = Number(process.env.COCOON_BENCH_ROUNDS ?? 9);
const maxTokens = 256;
const contextSize = 1024;
const prompts = Array.from({length: rounds}, (_, i) => `Once upon a time, story ${i + 1} began`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const loadStart = os.loadavg()[0]!;
console.log(`model ${path.basename(modelPath)}, threads ${threads}, ${os.cpus()[0]?.model} x${os.availableParallelism()}, node ${process.version}`);

// --- direct node-llama-cpp
const llama = await getLlama({gpu: false, build: 'never', maxThreads: 0, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize, threads});
const completion = new LlamaCompletion({contextSequence: context.getSequence()});

interface Rate {
  wall: number;
  cpu: number;
}

/** Measure from the first token to the end: wall-clock and CPU-time tokens/s. */
function meter() {
  let first = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  return {
    token() {
      if (first) return;
      first = performance.now();
      cpu0 = process.cpuUsage();
    },
    rate(tokens: number): Rate {
      const cpu = process.cpuUsage(cpu0);
      return {wall: (tokens - 1) / ((performance.now() - first) / 1000), cpu: (tokens - 1) / ((cpu.user + cpu.system) / 1e6)};
    },
  };
}

/** node-llama-cpp alone; `streamText` adds onTextChunk, which a streaming server needs (it detokenizes each chunk). */
async function direct(prompt: string, streamText = false): Promise<Rate> {
  const m = meter();
  let tokens = 0;
  let text = '';
  await completion.generateCompletion(model.tokenize(prompt), {
    maxTokens,
    temperature: 0,
    disableContextShift: true,
    onTextChunk: streamText ? (chunk) => (text += chunk) : undefined,
    onToken: (t) => {
      m.token();
      tokens += t.length;
    },
  });
  void text;
  return m.rate(tokens);
}

// --- the engine
const engine = await createEngine({modelPath, gpu: false, threads, parallel: 1, contextSize, hash: false});

async function viaEngine(prompt: string): Promise<Rate> {
  const m = meter();
  let tokens = 0;
  for await (const event of engine.generate({prompt, maxTokens, temperature: 0})) {
    if (event.type === 'text') m.token();
    else tokens = event.usage.completionTokens;
  }
  return m.rate(tokens);
}

await direct('warm up');
await viaEngine('warm up');
const directRates: Rate[] = [];
const streamRates: Rate[] = [];
const engineRates: Rate[] = [];
for (const [i, prompt] of prompts.entries()) {
  // Rotate the order, so drift from other load on the machine evens out.
  const runs = [
    async () => directRates.push(await direct(prompt)),
    async () => streamRates.push(await direct(prompt, true)),
    async () => engineRates.push(await viaEngine(prompt)),
  ];
  for (let k = 0; k < runs.length; k++) await runs[(i + k) % runs.length]!();
}
const med = (rates: Rate[]) => ({wall: median(rates.map((r) => r.wall)), cpu: median(rates.map((r) => r.cpu))});
const d = med(directRates);
const st = med(streamRates);
const e = med(engineRates);
console.log(`\n| path | generation tok/s, wall clock (median of ${rounds}) | tokens per CPU-second (median) |\n|---|---|---|`);
console.log(`| node-llama-cpp direct, no text (onToken only) | ${d.wall.toFixed(0)} | ${d.cpu.toFixed(0)} |`);
console.log(`| node-llama-cpp direct, streaming text (onTextChunk) | ${st.wall.toFixed(0)} | ${st.cpu.toFixed(0)} |`);
console.log(`| cocoon engine (async iterator of events) | ${e.wall.toFixed(0)} | ${e.cpu.toFixed(0)} |`);
console.log(`\nratio engine / direct (no text): wall ${(e.wall / d.wall).toFixed(3)}, CPU time ${(e.cpu / d.cpu).toFixed(3)}`);
console.log(`ratio engine / direct (streaming text): wall ${(e.wall / st.wall).toFixed(3)}, CPU time ${(e.cpu / st.cpu).toFixed(3)} (goal >= 0.98)`);
console.log(`load average during the run: ${os.loadavg()[0]!.toFixed(2)} on ${os.availableParallelism()} CPUs`);

// The engine's own per-token work beyond streaming node-llama-cpp directly is the
// event channel and the async iteration; timed alone it is immune to machine noise.
let usPerToken = 0;
{
  const n = 200_000;
  const channel = new Channel<{type: 'text'; text: string}>();
  const started = performance.now();
  const consumer = (async () => {
    let count = 0;
    for await (const event of channel) count += event.text.length;
    return count;
  })();
  for (let i = 0; i < n; i++) {
    channel.push({type: 'text', text: 'x'});
    await Promise.resolve(); // the model yields between tokens
  }
  channel.close();
  await consumer;
  usPerToken = ((performance.now() - started) * 1000) / n;
  console.log(`event channel + async iteration: ${usPerToken.toFixed(2)} µs per token = ${((usPerToken * st.cpu) / 1e4).toFixed(2)} % of a token at ${st.cpu.toFixed(0)} tok/s`);
}
await engine.dispose();
await context.dispose();

// --- concurrency: one engine per level, configured as a provider would (parallel = n)
console.log(`\n| parallel sequences | aggregate generation tok/s | per-sequence tok/s | mean TTFT ms |\n|---|---|---|---|`);
const concurrency: Array<{parallel: number; aggregate: number; perSequence: number; ttftMs: number}> = [];
for (const n of [1, 2, 4, 8]) {
  const wide = await createEngine({modelPath, gpu: false, threads, parallel: n, contextSize: 256, hash: false});
  const samples: Array<{agg: number; ttft: number}> = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    const runs = await Promise.all(
      Array.from({length: n}, async (_, i) => {
        let first = 0;
        let tokens = 0;
        for await (const event of wide.generate({prompt: `Story ${round}-${i}: once upon a time`, maxTokens: 128, temperature: 0.8, seed: i + 1})) {
          if (event.type === 'text') first ||= performance.now();
          else tokens = event.usage.completionTokens;
        }
        return {tokens, ttft: first - started};
      }),
    );
    const wall = (performance.now() - started) / 1000;
    samples.push({agg: runs.reduce((s, r) => s + r.tokens, 0) / wall, ttft: runs.reduce((s, r) => s + r.ttft, 0) / n});
  }
  const agg = median(samples.map((s) => s.agg));
  concurrency.push({parallel: n, aggregate: agg, perSequence: agg / n, ttftMs: median(samples.map((s) => s.ttft))});
  console.log(`| ${n} | ${agg.toFixed(0)} | ${(agg / n).toFixed(0)} | ${median(samples.map((s) => s.ttft)).toFixed(1)} |`);
  await wide.dispose();
}
console.log(`load average at the end: ${os.loadavg()[0]!.toFixed(2)}`);
await model.dispose();
emitResult('engine', {
  model: path.basename(modelPath),
  threads,
  rounds,
  maxTokens,
  loadavgStart: loadStart,
  direct: d,
  directStreaming: st,
  engine: e,
  ratios: {wallNoText: e.wall / d.wall, cpuNoText: e.cpu / d.cpu, wallStreaming: e.wall / st.wall, cpuStreaming: e.cpu / st.cpu},
  channelUsPerToken: usPerToken,
  concurrency,
});
