import fs from 'node:fs';
import {describe, expect, it} from 'vitest';
import {benchCacheDir, benchmarkModel, cachedBenchmark, listBenchmarks} from '../../src/inference/bench.js';
import {testModel} from './model.js';

describe('benchmark', () => {
  it('measures positive figures for 1 and N sequences, and caches them for registration', async () => {
    const options = {modelPath: testModel(), gpu: false as const, threads: 1, parallel: 2, promptTokens: 32, generateTokens: 24};
    expect(await cachedBenchmark(options)).toBeUndefined();
    const stages: string[] = [];
    const result = await benchmarkModel({...options, onProgress: (stage) => stages.push(stage)});
    expect(result.cached).toBe(false);
    expect(result.device).toMatchObject({backend: 'cpu', threads: 1});
    expect(result.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const figures of [result.single, result.parallel]) {
      expect(figures.promptTokensPerSecond).toBeGreaterThan(0);
      expect(figures.generationTokensPerSecond).toBeGreaterThan(0);
      expect(figures.timeToFirstTokenMs).toBeGreaterThan(0);
      expect(figures.completionTokens).toBeGreaterThan(figures.sequences);
    }
    expect(result.single.sequences).toBe(1);
    expect(result.parallel.sequences).toBe(2);
    expect(stages.at(-1)).toBe('done');

    // The cache answers without a model load; other settings miss it.
    const cached = await cachedBenchmark(options);
    expect(cached).toMatchObject({cached: true, single: result.single, parallel: result.parallel, measuredAt: result.measuredAt});
    expect(await cachedBenchmark({...options, parallel: 3})).toBeUndefined();
    expect((await benchmarkModel(options)).cached).toBe(true);
    expect((await listBenchmarks()).map((b) => b.measuredAt)).toContain(result.measuredAt);
    expect(fs.readdirSync(benchCacheDir()).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });
});
