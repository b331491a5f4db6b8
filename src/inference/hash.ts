/**
 * SHA-256 of model files, streamed (models are gigabytes) and cached by
 * path + size + mtime in the data directory, so a re-run costs a stat.
 */
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {dataPath} from '../config/paths.js';
import {CocoonError} from '../errors.js';

interface HashCacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** The hash cache file. */
export function hashCachePath(): string {
  return dataPath('cache', 'model-hashes.json');
}

async function readCache(): Promise<Record<string, HashCacheEntry>> {
  try {
    const parsed = JSON.parse(await fs.readFile(hashCachePath(), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, HashCacheEntry>) : {};
  } catch {
    return {};
  }
}

/** Options for modelSha256. */
export interface ModelHashOptions {
  /** Use and update the on-disk cache. Default: true. */
  cache?: boolean;
  /** Called with bytes hashed so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Stops hashing. */
  signal?: AbortSignal;
}

/** SHA-256 (hex) of a file, from the cache when its size and mtime are unchanged. */
export async function modelSha256(file: string, options: ModelHashOptions = {}): Promise<string> {
  const abs = path.resolve(file);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch (error) {
    throw new CocoonError('MODEL_ERROR', `Model file not found: ${abs}`, {hint: 'Check the path.', cause: error});
  }
  const useCache = options.cache ?? true;
  const cache = useCache ? await readCache() : {};
  const hit = cache[abs];
  if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit.sha256;

  const hash = createHash('sha256');
  let done = 0;
  for await (const chunk of createReadStream(abs, {highWaterMark: 1 << 20, signal: options.signal})) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    options.onProgress?.(done, stat.size);
  }
  const sha256 = hash.digest('hex');
  if (useCache) {
    // Re-read so concurrent writers lose at most their own entry; write atomically.
    const fresh = await readCache();
    fresh[abs] = {size: stat.size, mtimeMs: stat.mtimeMs, sha256};
    const target = hashCachePath();
    await fs.mkdir(path.dirname(target), {recursive: true});
    const tmp = `${target}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(fresh, null, 2));
    await fs.rename(tmp, target);
  }
  return sha256;
}
