/**
 * Lazy access to node-llama-cpp: the module costs ~350 ms to import, so it is
 * loaded on first use, and one `Llama` instance is shared per GPU setting.
 */
import {CocoonError} from '../errors.js';

/** The node-llama-cpp module, typed. */
export type LlamaCpp = typeof import('node-llama-cpp');
/** A node-llama-cpp `Llama` instance. */
export type Llama = Awaited<ReturnType<LlamaCpp['getLlama']>>;

/** GPU choice: `'auto'` picks the best working backend, `false` forces CPU. */
export type GpuOption = 'auto' | 'cuda' | 'vulkan' | 'metal' | false;

let modulePromise: Promise<LlamaCpp> | undefined;
const instances = new Map<string, Promise<Llama>>();
/**
 * The last llama.cpp error lines, kept bounded. Marks are absolute counts of
 * lines ever logged, so dropping old lines never shifts what a mark points at.
 */
export class ErrorLog {
  private lines: string[] = [];
  /** Lines dropped from the front so far. */
  private dropped = 0;

  constructor(
    /** Lines kept at most; the oldest half is dropped beyond it. Default: 200. */
    private readonly max = 200,
  ) {}

  /** Append a line. */
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) {
      const drop = Math.ceil(this.max / 2);
      this.lines = this.lines.slice(drop);
      this.dropped += drop;
    }
  }

  /** Position after the newest line, for `since`. */
  mark(): number {
    return this.dropped + this.lines.length;
  }

  /** Lines logged since `mark` that are still kept. */
  since(mark: number): string[] {
    return this.lines.slice(Math.max(0, mark - this.dropped));
  }
}

const recentErrors = new ErrorLog();

/** Import node-llama-cpp once. */
export function importLlamaCpp(): Promise<LlamaCpp> {
  modulePromise ??= import('node-llama-cpp');
  return modulePromise;
}

/** llama.cpp error messages logged since `since` (an index from `errorMark()`). */
export function llamaErrorsSince(since: number): string[] {
  return recentErrors.since(since);
}

/** Position in the error log, for `llamaErrorsSince`. */
export function errorMark(): number {
  return recentErrors.mark();
}

/**
 * The shared `Llama` for a GPU setting. It never builds from source or downloads
 * (that could hang an offline machine for minutes): a missing binary is a typed error.
 * Threads are left unlimited here and set per context by the engine.
 */
export function loadLlama(gpu: GpuOption = 'auto'): Promise<Llama> {
  const key = String(gpu);
  let instance = instances.get(key);
  if (!instance) {
    instance = (async () => {
      const {getLlama, getLlamaGpuTypes, LlamaLogLevel} = await importLlamaCpp();
      if (gpu !== 'auto' && gpu !== false && !(await getLlamaGpuTypes('supported')).includes(gpu)) {
        // Fail fast: test-loading an unsupported binary takes seconds and logs to the console.
        instances.delete(key);
        throw new CocoonError('MODEL_ERROR', `The ${gpu} backend is not available on this machine.`, {
          hint: 'Run `cocoon gpu detect` to see which backends work here, or use gpu auto.',
          details: {gpu: key},
        });
      }
      try {
        return await getLlama({
          gpu,
          build: 'never',
          maxThreads: 0,
          logLevel: LlamaLogLevel.warn,
          // Warnings (e.g. "bad special token") are noise for users; errors are kept for messages.
          logger: (level, message) => {
            if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) {
              recentErrors.push(message.trim());
            }
          },
        });
      } catch (error) {
        instances.delete(key);
        throw new CocoonError('MODEL_ERROR', `No working llama.cpp backend for gpu=${key}: ${(error as Error).message || (error as Error).name}`, {
          hint: gpu === false || gpu === 'auto' ? 'Reinstall cocoon (npm ci) to restore the prebuilt binaries.' : `Run \`cocoon gpu detect\` to see which backends work here, or use --gpu auto.`,
          details: {gpu: key},
          cause: error,
        });
      }
    })();
    instances.set(key, instance);
  }
  return instance;
}
