import {benchmarkModel, type BenchOptions, type BenchResult} from '../inference/bench.js';
import {detectGpu, type GpuReport} from '../inference/gpu.js';
import {resolveModelPath} from '../inference/models.js';

export type {BenchResult} from '../inference/bench.js';
export type {GpuReport} from '../inference/gpu.js';

/** A benchmark of a model as the user names it: a path or store name, and `cpu` for no GPU. */
export type BenchRequest = Omit<BenchOptions, 'modelPath' | 'gpu'> & {
  /** A .gguf path, or a name from the model store. */
  model: string;
  /** Default: auto. */
  gpu?: 'auto' | 'cuda' | 'vulkan' | 'metal' | 'cpu';
};

/** Which inference backends work here, VRAM, drivers, CPU, RAM, and which model sizes fit. */
export function detectBackends(request: {timeoutMs?: number} = {}): Promise<GpuReport> {
  return detectGpu({timeoutMs: request.timeoutMs});
}

/** Prompt and generation speed and time to first token, for 1 and N parallel sequences (cached). */
export async function benchmark(request: BenchRequest): Promise<BenchResult> {
  const {model, gpu, ...rest} = request;
  return benchmarkModel({...rest, modelPath: await resolveModelPath(model), gpu: gpu === 'cpu' ? false : gpu});
}
