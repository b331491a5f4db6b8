import {benchmarkModel, type BenchResult} from '../inference/bench.js';
import {detectGpu, type GpuReport} from '../inference/gpu.js';
import {resolveModelPath} from '../inference/models.js';

export type {BenchResult} from '../inference/bench.js';
export type {GpuReport} from '../inference/gpu.js';

/** A benchmark of a model as the user names it. */
export interface BenchRequest {
  /** A .gguf path, or a name from the model store. */
  model: string;
  /** Default: auto. */
  gpu?: 'auto' | 'cuda' | 'vulkan' | 'metal' | 'cpu';
  threads?: number;
  parallel?: number;
  promptTokens?: number;
  generateTokens?: number;
  /** Measure again even when a cached result exists. */
  force?: boolean;
  onProgress?: (stage: string, fraction: number) => void;
}

/** Which inference backends work here, VRAM, drivers, CPU, RAM, and which model sizes fit. */
export function detectBackends(request: {timeoutMs?: number} = {}): Promise<GpuReport> {
  return detectGpu({timeoutMs: request.timeoutMs});
}

/** Prompt and generation speed and time to first token, for 1 and N parallel sequences (cached). */
export async function benchmark(request: BenchRequest): Promise<BenchResult> {
  const {model, gpu, ...rest} = request;
  return benchmarkModel({...rest, modelPath: await resolveModelPath(model), gpu: gpu === 'cpu' ? false : gpu});
}
