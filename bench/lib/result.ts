// Shared by the benchmarks: where the model is, and how a benchmark hands its
// figures to bench/run.ts (which rewrites docs/benchmarks.md from them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Benchmarks import this module first thing, so this is the load when they start.
const loadavgAtStart = os.loadavg()[0];

/** Line prefix of the machine-readable result on stdout (the last line a benchmark prints). */
export const JSON_PREFIX = 'BENCH_JSON ';

/**
 * Hand a benchmark's figures to the runner: written to the file named by
 * BENCH_OUT when set, and always printed as the last stdout line after
 * `BENCH_JSON `, so a benchmark run by hand can still be collected.
 */
export function emitResult(name: string, data: Record<string, unknown>): void {
  const result = {bench: name, measuredAt: new Date().toISOString(), loadavgStart: loadavgAtStart, loadavgEnd: os.loadavg()[0], ...data};
  const json = JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (process.env.BENCH_OUT) fs.writeFileSync(process.env.BENCH_OUT, json);
  process.stdout.write(`${JSON_PREFIX}${json}\n`);
}

/**
 * The GGUF the benchmarks run: COCOON_BENCH_MODEL, else
 * $COCOON_TEST_MODELS/stories260K.gguf, else ../shared/models/stories260K.gguf
 * beside the repository; undefined when none exists.
 */
export function findBenchModel(): string | undefined {
  if (process.env.COCOON_BENCH_MODEL) return process.env.COCOON_BENCH_MODEL;
  const candidates = [
    process.env.COCOON_TEST_MODELS && path.join(process.env.COCOON_TEST_MODELS, 'stories260K.gguf'),
    path.resolve(ROOT, '../shared/models/stories260K.gguf'),
  ];
  return candidates.find((file): file is string => Boolean(file) && fs.existsSync(file!));
}

/** findBenchModel, or exit with a message that says how to provide one. */
export function requireBenchModel(bench: string): string {
  const model = findBenchModel();
  if (model) return model;
  process.stderr.write(
    `${bench}: no model to run. Set COCOON_BENCH_MODEL=<file.gguf>, or COCOON_TEST_MODELS=<dir with stories260K.gguf>, ` +
      `or put stories260K.gguf in ../shared/models (https://huggingface.co/ggml-org/models, tinyllamas/stories260K.gguf).\n`,
  );
  process.exit(2);
}

/** Median (upper middle for an even count). */
export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Percentile of already sorted values (nearest rank, floor). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
