/**
 * NVIDIA driver facts from `nvidia-smi`, run asynchronously with a time limit
 * (systeminformation runs it synchronously, which blocks the event loop).
 */
import {execFile} from 'node:child_process';

/** One NVIDIA GPU as nvidia-smi reports it. */
export interface NvidiaGpu {
  name: string;
  /** Total memory in bytes. */
  memoryTotalBytes: number;
  /** Free memory in bytes. */
  memoryFreeBytes: number;
}

/** What nvidia-smi says; null fields when it did not say. */
export interface NvidiaInfo {
  driverVersion: string | null;
  cudaVersion: string | null;
  gpus: NvidiaGpu[];
}

function run(args: string[], timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile('nvidia-smi', args, {timeout: timeoutMs, windowsHide: true}, (error, stdout) => resolve(error ? null : stdout));
    } catch {
      resolve(null);
    }
  });
}

/** Query nvidia-smi; null where it is absent, fails or exceeds `timeoutMs` (default 3 s). */
export async function queryNvidiaSmi(timeoutMs = 3000): Promise<NvidiaInfo | null> {
  const [csv, banner] = await Promise.all([
    run(['--query-gpu=name,memory.total,memory.free,driver_version', '--format=csv,noheader,nounits'], timeoutMs),
    run([], timeoutMs),
  ]);
  if (csv === null) return null;
  const mib = 1024 * 1024;
  let driverVersion: string | null = null;
  const gpus = csv
    .split('\n')
    .map((line) => line.split(',').map((s) => s.trim()))
    .filter((cols) => cols.length >= 4 && cols[0])
    .map(([name, total, free, driver]) => {
      driverVersion ??= driver ?? null;
      return {name: name!, memoryTotalBytes: Number(total) * mib || 0, memoryFreeBytes: Number(free) * mib || 0};
    });
  const cudaVersion = banner?.match(/CUDA Version:\s*([\d.]+)/)?.[1] ?? null;
  return {driverVersion, cudaVersion, gpus};
}
