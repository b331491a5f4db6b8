/**
 * Thread-count defaults. node-llama-cpp's own CPU default (max(cores, 4)) makes
 * llama.cpp spin-wait on small machines; we always pass an explicit count.
 */
import fs from 'node:fs/promises';
import os from 'node:os';

/** Models smaller than this run fastest on one thread: per-token work is too small to split. */
export const SMALL_MODEL_BYTES = 256 * 1024 * 1024;

let physical: Promise<number> | undefined;

/** Physical CPU cores (not hyper-threads), from /proc/cpuinfo on Linux; logical cores elsewhere. */
export function physicalCores(): Promise<number> {
  physical ??= (async () => {
    const logical = os.availableParallelism();
    try {
      const text = await fs.readFile('/proc/cpuinfo', 'utf8');
      const cores = new Set<string>();
      let phys = '0';
      for (const line of text.split('\n')) {
        const [key, value] = line.split(':').map((s) => s?.trim());
        if (key === 'physical id') phys = value ?? '0';
        else if (key === 'core id') cores.add(`${phys}:${value}`);
      }
      return cores.size > 0 ? Math.min(cores.size, logical) : logical;
    } catch {
      return logical;
    }
  })();
  return physical;
}

/**
 * Default thread count for a model: the physical core count, but 1 for small
 * models (under SMALL_MODEL_BYTES), where thread synchronisation costs more than
 * it saves — measured on a 2-core machine: 1 thread ~1,900 tok/s, 2 threads ~80.
 */
export async function defaultThreads(modelBytes?: number): Promise<number> {
  if (modelBytes !== undefined && modelBytes < SMALL_MODEL_BYTES) return 1;
  return physicalCores();
}
