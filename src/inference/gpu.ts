/**
 * GPU and host detection: which llama.cpp backends work here (node-llama-cpp's
 * own calls), device names and VRAM, NVIDIA driver/CUDA versions, CPU, RAM, OS,
 * and which model sizes fit. Every probe is asynchronous and time-limited.
 */
import os from 'node:os';
import {loadLlama, importLlamaCpp, type GpuOption} from './llama.js';
import {queryNvidiaSmi, type NvidiaInfo} from './nvidia-smi.js';
import {physicalCores, defaultThreads} from './threads.js';

/** A GPU backend and whether it works on this machine. */
export interface BackendStatus {
  /** cuda, vulkan, metal or cpu. */
  type: 'cuda' | 'vulkan' | 'metal' | 'cpu';
  /** node-llama-cpp has a binary for it here and the system libraries it needs are present. */
  supported: boolean;
  /** The binary loaded and initialised. */
  works: boolean;
  /** Devices the backend sees. */
  devices: string[];
  /** VRAM as the backend reports it, bytes (0 for cpu). */
  vramTotalBytes: number;
  vramFreeBytes: number;
  /** Why it does not work, when it does not. */
  error?: string;
}

/** One model size and where it fits. */
export interface ModelFit {
  /** Parameter count label, e.g. "7B". */
  size: string;
  /** Quantization, e.g. Q4_K_M. */
  quantization: string;
  /** Estimated memory to load it with a 4K context, bytes. */
  estimatedBytes: number;
  /** Where it fits: fully on the GPU, in system RAM (CPU), or not at all. */
  fits: 'gpu' | 'cpu' | 'no';
}

/** Everything `cocoon gpu detect` reports. */
export interface GpuReport {
  /** The backend `gpu: 'auto'` selects: cuda, vulkan, metal or cpu. */
  selected: BackendStatus['type'];
  backends: BackendStatus[];
  /** nvidia-smi's view, or null where there is no NVIDIA driver. */
  nvidia: NvidiaInfo | null;
  cpu: {model: string; physicalCores: number; logicalCores: number; arch: string};
  memory: {totalBytes: number; availableBytes: number};
  os: {platform: string; distro: string; release: string; kernel: string};
  /** Threads the engine uses by default for a large model. */
  defaultThreads: number;
  fits: ModelFit[];
  /** How long detection took, ms. */
  elapsedMs: number;
}

/** Options for detectGpu. */
export interface DetectGpuOptions {
  /** Time limit per probe (backend load, nvidia-smi, system info), ms. Default: 15000. */
  timeoutMs?: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

async function probeBackend(type: Exclude<GpuOption, 'auto'>, supported: boolean, timeoutMs: number): Promise<BackendStatus> {
  const name = type === false ? 'cpu' : type;
  const status: BackendStatus = {type: name, supported, works: false, devices: [], vramTotalBytes: 0, vramFreeBytes: 0};
  if (!supported) return status;
  try {
    const llama = await withTimeout(loadLlama(type), timeoutMs, `${name} backend`);
    const [vram, devices] = await Promise.all([llama.getVramState(), llama.getGpuDeviceNames()]);
    status.works = true;
    status.devices = type === false ? [] : devices;
    status.vramTotalBytes = type === false ? 0 : vram.total;
    status.vramFreeBytes = type === false ? 0 : vram.free;
  } catch (error) {
    status.error = (error as Error).message;
  }
  return status;
}

// Bits per weight of common quantizations (llama.cpp's figures, rounded up).
const QUANTS: Record<string, number> = {Q4_K_M: 4.9, Q8_0: 8.5, F16: 16};
const SIZES: Array<[string, number]> = [['0.5B', 0.5e9], ['1B', 1.2e9], ['3B', 3.2e9], ['7B', 7.6e9], ['14B', 14.8e9], ['32B', 32.8e9], ['70B', 70.6e9]];

/** Where common model sizes fit, given free VRAM and available RAM. */
export function modelFits(vramFreeBytes: number, ramAvailableBytes: number): ModelFit[] {
  const fits: ModelFit[] = [];
  for (const [quantization, bits] of Object.entries(QUANTS)) {
    for (const [size, params] of SIZES) {
      // Weights plus ~15% for a 4K KV cache and compute buffers.
      const estimatedBytes = Math.round(((params * bits) / 8) * 1.15);
      const fit = estimatedBytes <= vramFreeBytes ? 'gpu' : estimatedBytes <= ramAvailableBytes ? 'cpu' : 'no';
      fits.push({size, quantization, estimatedBytes, fits: fit});
    }
  }
  return fits;
}

async function hostInfo(timeoutMs: number): Promise<Pick<GpuReport, 'cpu' | 'memory' | 'os'>> {
  const fallback = {
    cpu: {model: os.cpus()[0]?.model ?? 'unknown', physicalCores: await physicalCores(), logicalCores: os.availableParallelism(), arch: os.arch()},
    memory: {totalBytes: os.totalmem(), availableBytes: os.freemem()},
    os: {platform: os.platform(), distro: os.type(), release: os.release(), kernel: os.release()},
  };
  try {
    // Only cpu/mem/osInfo: systeminformation's graphics() calls nvidia-smi synchronously.
    const si = await import('systeminformation');
    const [cpu, mem, osInfo] = await withTimeout(Promise.all([si.cpu(), si.mem(), si.osInfo()]), timeoutMs, 'system info');
    return {
      cpu: {
        model: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ') || fallback.cpu.model,
        physicalCores: cpu.physicalCores || fallback.cpu.physicalCores,
        logicalCores: cpu.cores || fallback.cpu.logicalCores,
        arch: os.arch(),
      },
      memory: {totalBytes: mem.total, availableBytes: mem.available},
      os: {platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, kernel: osInfo.kernel},
    };
  } catch {
    return fallback;
  }
}

/** Detect backends, devices and host facts. Never throws for a missing GPU: it reports CPU only. */
export async function detectGpu(options: DetectGpuOptions = {}): Promise<GpuReport> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 15_000;
  const {getLlamaGpuTypes} = await importLlamaCpp();
  const [supported, nvidia, host, threads] = await Promise.all([
    withTimeout(getLlamaGpuTypes('supported'), timeoutMs, 'GPU type detection').catch(() => [false] as const),
    queryNvidiaSmi(Math.min(timeoutMs, 3000)),
    hostInfo(timeoutMs),
    defaultThreads(),
  ]);
  const types: Array<Exclude<GpuOption, 'auto'>> = ['cuda', 'vulkan', 'metal', false];
  const applicable = types.filter((t) => t === false || t !== 'metal' || process.platform === 'darwin');
  // Probe one backend at a time: loading several GPU binaries at once competes for the driver.
  const backends: BackendStatus[] = [];
  for (const type of applicable) backends.push(await probeBackend(type, (supported as readonly unknown[]).includes(type), timeoutMs));
  const selected = backends.find((b) => b.type !== 'cpu' && b.works)?.type ?? 'cpu';
  const best = backends.find((b) => b.type === selected);
  return {
    selected,
    backends,
    nvidia,
    ...host,
    defaultThreads: threads,
    fits: modelFits(best?.vramFreeBytes ?? 0, host.memory.availableBytes),
    elapsedMs: Math.round(performance.now() - started),
  };
}
