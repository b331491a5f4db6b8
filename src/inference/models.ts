/**
 * Local model store: GGUF files in the data directory's `models/`, pulled from
 * `hf:` URIs or https URLs with node-llama-cpp's downloader (resumable), or
 * copied from a local path.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {dataPath} from '../config/paths.js';
import {CocoonError} from '../errors.js';
import {checkGgufFile, readGgufModelInfo, type GgufModelInfo} from './gguf.js';
import {modelSha256} from './hash.js';
import {importLlamaCpp} from './llama.js';

/** Directory of pulled models. */
export function modelsDir(): string {
  return dataPath('models');
}

/** A model file in the store. */
export interface LocalModel {
  /** File name, e.g. stories260K.gguf. */
  file: string;
  path: string;
  sizeBytes: number;
  /** ISO time of the last change. */
  modifiedAt: string;
  /** Header facts; absent when the file could not be read. */
  info?: Pick<GgufModelInfo, 'architecture' | 'parameters' | 'quantization' | 'contextLength'>;
  /** Why the file is not usable (truncated, not GGUF …). */
  error?: string;
  /** An unfinished download (resumed by the next pull of the same URI). */
  partial: boolean;
}

/** A model with its header facts and hash. */
export interface ModelDetails extends GgufModelInfo {
  sha256: string;
}

/** What a pull produced. */
export interface PullResult {
  path: string;
  sizeBytes: number;
  sha256: string;
  /** True when the file was already there and complete. */
  alreadyPresent: boolean;
}

/** Download progress. */
export interface PullProgress {
  downloadedBytes: number;
  totalBytes: number;
}

/** Options for pullModel. */
export interface PullOptions {
  /** Called as bytes arrive. */
  onProgress?: (progress: PullProgress) => void;
  /** Cancels the download; the partial file stays for a later resume. */
  signal?: AbortSignal;
  /** Time to reach the host before giving up, ms. Default: 10000. */
  connectTimeoutMs?: number;
  /** Give up when no byte arrives for this long, ms. Default: 60000. */
  stallTimeoutMs?: number;
}

/** List the GGUF files (and unfinished downloads) in the store. */
export async function listModels(): Promise<LocalModel[]> {
  const dir = modelsDir();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const models: LocalModel[] = [];
  for (const file of names.sort()) {
    const full = path.join(dir, file);
    const partial = !file.toLowerCase().endsWith('.gguf');
    if (partial && !/\.gguf\.ipull$/i.test(file)) continue; // not ours
    const stat = await fs.stat(full).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const model: LocalModel = {file, path: full, sizeBytes: stat.size, modifiedAt: stat.mtime.toISOString(), partial};
    if (!partial) {
      try {
        const {architecture, parameters, quantization, contextLength} = await readGgufModelInfo(full);
        model.info = {architecture, parameters, quantization, contextLength};
      } catch (error) {
        model.error = (error as Error).message;
      }
    }
    models.push(model);
  }
  return models;
}

/**
 * Resolve a model reference: an existing path, or a file name (with or without
 * `.gguf`) in the store. Throws MODEL_ERROR when neither exists.
 */
export async function resolveModelPath(ref: string): Promise<string> {
  const candidates = [path.resolve(ref), path.join(modelsDir(), ref), path.join(modelsDir(), `${ref}.gguf`)];
  for (const candidate of candidates) {
    const stat = await fs.stat(candidate).catch(() => undefined);
    if (stat?.isFile()) return candidate;
  }
  if (isRemoteUri(ref)) {
    throw new CocoonError('MODEL_ERROR', `Model ${ref} is not downloaded.`, {hint: `Run \`cocoon models pull ${ref}\` first.`});
  }
  throw new CocoonError('MODEL_ERROR', `Model not found: ${ref}`, {
    hint: 'Pass a .gguf path, or a name from `cocoon models list`.',
    details: {ref},
  });
}

/** Header facts and SHA-256 of a model (path or store name). */
export async function inspectModel(ref: string): Promise<ModelDetails> {
  const file = await resolveModelPath(ref);
  const info = await readGgufModelInfo(file);
  return {...info, sha256: await modelSha256(file)};
}

/** True for the URIs pullModel downloads (hf:, http(s):). */
export function isRemoteUri(ref: string): boolean {
  return /^(hf:|huggingface:|https?:\/\/)/i.test(ref);
}

function hostOf(uri: string): string {
  if (/^https?:\/\//i.test(uri)) return new URL(uri).origin;
  return (process.env.HF_ENDPOINT || process.env.MODEL_ENDPOINT)?.replace(/\/$/, '') || 'https://huggingface.co';
}

async function ensureReachable(uri: string, timeoutMs: number): Promise<void> {
  const host = hostOf(uri);
  try {
    await fetch(host, {method: 'HEAD', signal: AbortSignal.timeout(timeoutMs)});
  } catch (error) {
    const cause = (error as {cause?: {code?: string}}).cause;
    const reason = (error as Error).name === 'TimeoutError' ? 'timeout' : (cause?.code ?? 'unreachable');
    throw new CocoonError('MODEL_ERROR', `Cannot reach ${host} to download ${uri} (${reason}): this machine looks offline.`, {
      hint: 'Connect to the internet, or download the .gguf elsewhere and pass its path (`cocoon models pull ./model.gguf`).',
      details: {uri, host, reason: 'unreachable', code: reason},
      cause: error,
    });
  }
}

async function copyLocal(source: string): Promise<PullResult> {
  const {path: from} = await checkGgufFile(source);
  await readGgufModelInfo(from); // refuse truncated files before copying
  const dir = modelsDir();
  const target = path.join(dir, path.basename(from));
  if (path.resolve(target) === from) return {path: from, sizeBytes: (await fs.stat(from)).size, sha256: await modelSha256(from), alreadyPresent: true};
  await fs.mkdir(dir, {recursive: true});
  const tmp = `${target}.${process.pid}.copying`;
  await fs.copyFile(from, tmp);
  await fs.rename(tmp, target);
  return {path: target, sizeBytes: (await fs.stat(target)).size, sha256: await modelSha256(target), alreadyPresent: false};
}

/**
 * Download a model into the store (or copy a local .gguf there). A download
 * resumes from its partial file; an unreachable host fails fast with
 * MODEL_ERROR (details.reason 'unreachable') and writes nothing.
 */
export async function pullModel(ref: string, options: PullOptions = {}): Promise<PullResult> {
  if (!isRemoteUri(ref)) return copyLocal(ref);
  await ensureReachable(ref, options.connectTimeoutMs ?? 10_000);
  const {createModelDownloader} = await importLlamaCpp();
  const dir = modelsDir();
  await fs.mkdir(dir, {recursive: true});
  const stallMs = options.stallTimeoutMs ?? 60_000;
  let lastProgress = Date.now();
  let mostBytes = 0;
  let stalled = false;
  const stall = new AbortController();
  // A ref'd timer also keeps the process alive: the downloader's retry timers alone do not.
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > stallMs) {
      stalled = true;
      stall.abort();
    }
  }, 1000);
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  try {
    const downloader = await Promise.race([
      createModelDownloader({
        modelUri: ref,
        dirPath: dir,
        deleteTempFileOnCancel: false,
        skipExisting: true,
        onProgress: ({downloadedSize, totalSize}) => {
          // Only new bytes count as progress: retries that restart from 0 must not hold off the stall timer.
          if (downloadedSize > mostBytes) {
            mostBytes = downloadedSize;
            lastProgress = Date.now();
          }
          options.onProgress?.({downloadedBytes: downloadedSize, totalBytes: totalSize});
        },
      }),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), {once: true})),
    ]);
    lastProgress = Date.now();
    const existing = await fs.stat(downloader.entrypointFilePath).catch(() => undefined);
    const alreadyPresent = existing?.isFile() === true && existing.size === downloader.totalSize;
    const file = await downloader.download({signal});
    const size = (await fs.stat(file).catch(() => undefined))?.size;
    if (size === undefined || (downloader.totalSize > 0 && size !== downloader.totalSize)) {
      // ipull can settle after dropped connections without a complete file.
      throw new CocoonError('MODEL_ERROR', `Download of ${ref} did not complete (${size ?? 0} of ${downloader.totalSize} bytes).`, {
        hint: 'The connection dropped; run pull again (an unfinished .ipull file is resumed).',
        details: {uri: ref, reason: 'incomplete'},
      });
    }
    await readGgufModelInfo(file);
    return {path: file, sizeBytes: (await fs.stat(file)).size, sha256: await modelSha256(file), alreadyPresent};
  } catch (error) {
    if (error instanceof CocoonError) throw error;
    if (options.signal?.aborted) throw new CocoonError('ABORTED', `Download of ${ref} cancelled; run pull again to resume.`);
    throw new CocoonError('MODEL_ERROR', `Download of ${ref} failed: ${stalled ? `no data for ${stallMs / 1000} s` : (error as Error).message}`, {
      hint: 'Check the URI (hf:<user>/<repo>:<quant> or hf:<user>/<repo>/<file>.gguf) and your connection; pull again to resume.',
      details: {uri: ref, reason: stalled ? 'stalled' : 'failed'},
      cause: error,
    });
  } finally {
    clearInterval(watchdog);
  }
}

/** What removeModel deleted. */
export interface RemoveResult {
  removed: string[];
  freedBytes: number;
}

/** Delete a model (and its unfinished download) from the store. Files outside the store are never touched. */
export async function removeModel(ref: string): Promise<RemoveResult> {
  const dir = modelsDir();
  const name = path.basename(ref.endsWith('.gguf') || ref.endsWith('.ipull') ? ref : `${ref}.gguf`);
  const base = name.replace(/\.ipull$/, '');
  const targets = [path.join(dir, base), path.join(dir, `${base}.ipull`)];
  if (path.isAbsolute(ref) && path.dirname(path.resolve(ref)) !== dir) {
    throw new CocoonError('INVALID_INPUT', `Refusing to delete ${ref}: it is not in the model store (${dir}).`, {hint: 'Delete files outside the store yourself.'});
  }
  const removed: string[] = [];
  let freedBytes = 0;
  for (const target of targets) {
    const stat = await fs.stat(target).catch(() => undefined);
    if (!stat?.isFile()) continue;
    await fs.rm(target);
    removed.push(target);
    freedBytes += stat.size;
  }
  if (removed.length === 0) {
    throw new CocoonError('NOT_FOUND', `No model ${ref} in the store.`, {hint: 'See `cocoon models list`.', details: {ref}});
  }
  return {removed, freedBytes};
}
