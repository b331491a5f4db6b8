import {CocoonError, isCocoonError} from '../errors.js';

/** The model the demo downloads when none is given: Karpathy's 260K-parameter TinyStories llama (MIT, 1.1 MB). */
export const DEFAULT_DEMO_MODEL = 'hf:ggml-org/models/tinyllamas/stories260K.gguf';

/** Options of findDemoModel. */
export interface DemoModelOptions {
  /** A model given on the command line. */
  model?: string;
  /** Download progress, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The demo's model: the one given, else `COCOON_MODEL`, else one already in the
 * model store, else the small default, downloaded (only when online).
 */
export async function findDemoModel(options: DemoModelOptions = {}): Promise<{path: string; source: 'given' | 'env' | 'store' | 'download'}> {
  const {resolveModelPath, listModels, pullModel} = await import('../inference/models.js');
  if (options.model) return {path: await resolveModelPath(options.model), source: 'given'};
  if (process.env.COCOON_MODEL) return {path: await resolveModelPath(process.env.COCOON_MODEL), source: 'env'};
  const stored = (await listModels()).find((m) => !m.error && !m.partial);
  if (stored) return {path: stored.path, source: 'store'};
  try {
    const pulled = await pullModel(DEFAULT_DEMO_MODEL, {onProgress: (p) => options.onProgress?.(p.downloadedBytes, p.totalBytes)});
    return {path: pulled.path, source: 'download'};
  } catch (error) {
    throw new CocoonError('MODEL_ERROR', 'The demo needs a GGUF model, and none is available here (and the default could not be downloaded).', {
      hint: 'Pass --model FILE.gguf or set COCOON_MODEL (any GGUF works; the 1 MB stories260K.gguf is enough), or connect to the internet once.',
      cause: isCocoonError(error) ? error : undefined,
    });
  }
}
