/**
 * Benchmark of the model a provider serves, through the real engine: prompt
 * tokens/s, generation tokens/s and time to first token, for one sequence and
 * for N at once. Results are cached per (model hash, device, settings) in the
 * data directory so registration can publish them without re-running.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {dataPath} from '../config/paths.js';
import {createEngine, type LlamaEngine} from './engine.js';
import {readGgufModelInfo} from './gguf.js';
import {modelSha256} from './hash.js';
import {loadLlama, type GpuOption} from './llama.js';
import {defaultThreads} from './threads.js';

/** Bump when the measurement changes, so old cache entries are ignored. */
export const BENCH_FORMAT = 1;

/** What a benchmark is run with; part of the cache key. */
export interface BenchSettings {
  gpu: GpuOption;
  threads: number;
  /** Sequences in the parallel run. */
  parallel: number;
  /** Prompt length per request, tokens (approximately; the exact count is measured). */
  promptTokens: number;
  /** Completion tokens per request. */
  generateTokens: number;
}

/** Figures for one run (1 or N sequences at once). */
export interface BenchFigures {
  sequences: number;
  /** Aggregate prompt processing speed. */
  promptTokensPerSecond: number;
  /** Aggregate generation speed (all sequences together). */
  generationTokensPerSecond: number;
  /** Mean time from request to first text. */
  timeToFirstTokenMs: number;
  /** Tokens measured. */
  promptTokens: number;
  completionTokens: number;
}

/** A benchmark result, as cached and published. */
export interface BenchResult {
  format: number;
  model: {name: string; sha256: string; architecture: string; quantization: string; parameters: number; sizeBytes: number};
  device: {backend: string; name: string; threads: number};
  settings: BenchSettings;
  single: BenchFigures;
  parallel: BenchFigures;
  /** ISO time of the measurement. */
  measuredAt: string;
  /** True when this came from the cache. */
  cached: boolean;
}

/** Options for benchmarkModel. */
export interface BenchOptions {
  /** The .gguf to benchmark. */
  modelPath: string;
  /** GPU choice. Default: 'auto'. */
  gpu?: GpuOption;
  /** CPU threads. Default: the engine's default for this model. */
  threads?: number;
  /** Sequences for the parallel run. Default: 4. */
  parallel?: number;
  /** Prompt length, tokens. Default: 128. */
  promptTokens?: number;
  /** Completion tokens per request. Default: 128. */
  generateTokens?: number;
  /** Measure again even when a cached result exists. Default: false. */
  force?: boolean;
  /** Progress: a stage name and the fraction of the whole benchmark done. */
  onProgress?: (stage: string, fraction: number) => void;
}

const WORDS = 'the cat sat on a mat and the dog ran to the park where children play with a red ball under a big tree'.split(' ');

/** A prompt of about `tokens` tokens whose first words differ per `variant`, so no KV cache prefix is reused. */
function benchPrompt(variant: number, tokens: number): string {
  const words = [`Story ${variant}:`];
  let seed = variant * 7919 + 1;
  while (words.length < tokens * 0.8) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    words.push(WORDS[seed % WORDS.length]!);
  }
  return words.join(' ');
}

async function timedRun(engine: LlamaEngine, sequences: number, settings: BenchSettings, variantBase: number): Promise<BenchFigures> {
  const started = performance.now();
  const runs = Array.from({length: sequences}, async (_, i) => {
    let first: number | undefined;
    let usage = {promptTokens: 0, completionTokens: 0};
    // Sampling with a fixed seed: greedy decoding of tiny models loops or stops early.
    const stream = engine.generate({prompt: benchPrompt(variantBase + i, settings.promptTokens), maxTokens: settings.generateTokens, temperature: 0.8, seed: i + 1});
    for await (const event of stream) {
      if (event.type === 'text') first ??= performance.now();
      else usage = event.usage;
    }
    return {first: first ?? performance.now(), end: performance.now(), usage};
  });
  const results = await Promise.all(runs);
  const firstAll = Math.max(...results.map((r) => r.first));
  const firstAny = Math.min(...results.map((r) => r.first));
  const end = Math.max(...results.map((r) => r.end));
  const promptTokens = results.reduce((s, r) => s + r.usage.promptTokens, 0);
  const completionTokens = results.reduce((s, r) => s + r.usage.completionTokens, 0);
  // The first token of each sequence is counted in its prompt phase.
  const genTokens = completionTokens - results.length;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    sequences,
    promptTokensPerSecond: round(promptTokens / ((firstAll - started) / 1000)),
    generationTokensPerSecond: round(genTokens / (Math.max(end - firstAny, 1e-3) / 1000)),
    timeToFirstTokenMs: round(results.reduce((s, r) => s + (r.first - started), 0) / results.length),
    promptTokens,
    completionTokens,
  };
}

/** The cache directory of benchmark results. */
export function benchCacheDir(): string {
  return dataPath('bench');
}

function deviceName(backend: string): string {
  return backend === 'cpu' ? `${os.cpus()[0]?.model?.trim() ?? 'cpu'} x${os.availableParallelism()}` : backend;
}

function cacheFile(sha256: string, device: BenchResult['device'], settings: BenchSettings): string {
  const key = createHash('sha256').update(JSON.stringify({format: BENCH_FORMAT, sha256, device, settings})).digest('hex').slice(0, 24);
  return path.join(benchCacheDir(), `${sha256.slice(0, 16)}-${key}.json`);
}

async function resolveSettings(options: BenchOptions, weightsBytes: number): Promise<BenchSettings> {
  return {
    gpu: options.gpu ?? 'auto',
    threads: options.threads ?? (await defaultThreads(weightsBytes)),
    parallel: options.parallel ?? 4,
    promptTokens: options.promptTokens ?? 128,
    generateTokens: options.generateTokens ?? 128,
  };
}

/** Where the result for these options lives, and what goes into its key. */
async function benchTarget(options: BenchOptions) {
  const llama = await loadLlama(options.gpu ?? 'auto');
  const info = await readGgufModelInfo(options.modelPath, {llama});
  const settings = await resolveSettings(options, info.weightsBytes);
  const sha256 = await modelSha256(info.path);
  const backend = llama.gpu === false ? 'cpu' : llama.gpu;
  const device = {backend, name: deviceName(backend), threads: settings.threads};
  return {info, settings, sha256, device, file: cacheFile(sha256, device, settings)};
}

async function readCached(file: string): Promise<BenchResult | undefined> {
  const cached = await fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as BenchResult, () => undefined);
  return cached?.format === BENCH_FORMAT ? {...cached, cached: true} : undefined;
}

/**
 * The cached benchmark for a model on this device with these settings (same
 * defaults as benchmarkModel), or undefined. Cheap: a header read, a cached
 * hash, no model load. This is what registration publishes.
 */
export async function cachedBenchmark(options: BenchOptions): Promise<BenchResult | undefined> {
  return readCached((await benchTarget(options)).file);
}

/** Every cached benchmark, newest first. */
export async function listBenchmarks(): Promise<BenchResult[]> {
  const dir = benchCacheDir();
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const results: BenchResult[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      const result = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as BenchResult;
      if (result.format === BENCH_FORMAT) results.push({...result, cached: true});
    } catch {
      // a half-written or foreign file: ignore
    }
  }
  return results.sort((a, b) => b.measuredAt.localeCompare(a.measuredAt));
}

/** Benchmark a model (or return the cached result for this model, device and settings). */
export async function benchmarkModel(options: BenchOptions): Promise<BenchResult> {
  const progress = options.onProgress ?? (() => undefined);
  progress('reading model', 0);
  const {info, settings, sha256, device, file} = await benchTarget(options);
  if (!options.force) {
    const cached = await readCached(file);
    if (cached) {
      progress('done', 1);
      return cached;
    }
  }
  progress('loading model', 0.05);
  const engine = await createEngine({
    modelPath: info.path,
    gpu: settings.gpu,
    threads: settings.threads,
    parallel: settings.parallel,
    contextSize: settings.promptTokens * 2 + settings.generateTokens + 64,
    hash: false,
  });
  try {
    progress('warm-up', 0.1);
    await timedRun(engine, 1, {...settings, generateTokens: 8, promptTokens: 16}, 1000);
    progress('1 sequence', 0.2);
    const single = await timedRun(engine, 1, settings, 0);
    progress(`${settings.parallel} sequences`, 0.5);
    const parallel = await timedRun(engine, settings.parallel, settings, 100);
    const result: BenchResult = {
      format: BENCH_FORMAT,
      model: {name: info.name, sha256, architecture: info.architecture, quantization: info.quantization, parameters: info.parameters, sizeBytes: info.sizeBytes},
      device,
      settings,
      single,
      parallel,
      measuredAt: new Date().toISOString(),
      cached: false,
    };
    await fs.mkdir(path.dirname(file), {recursive: true});
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({...result, cached: undefined}, null, 2));
    await fs.rename(tmp, file);
    progress('done', 1);
    return result;
  } finally {
    await engine.dispose();
  }
}
