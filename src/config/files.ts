import fs from 'node:fs';
import path from 'node:path';

/** Write a file atomically (write, fsync, rename): a crash leaves the old or the new content, never half. */
export function writeFileAtomic(file: string, data: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Write `data` to `file` atomically and durably without blocking the event
 * loop: temp file, fsync, rename, fsync of the directory (all on libuv's thread
 * pool). `tmp` defaults to a name unique to this process and call.
 */
export async function writeFileDurably(file: string, data: string, options: {tmp?: string; mode?: number} = {}): Promise<void> {
  const tmp = options.tmp ?? `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await fs.promises.open(tmp, 'w', options.mode ?? 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
  // The rename itself is durable only once the directory is synced.
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
