import fs from 'node:fs';

/** What identifies one version of a file: an atomic write renames a new inode in, an in-place one moves mtime/ctime. */
function stampOf(file: string): string | undefined {
  try {
    const st = fs.statSync(file, {bigint: true});
    return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A file's parsed contents, parsed again only when the file changed since
 * (one stat instead of a read, JSON and schema parse per use). The stamp is
 * taken before the read, so content newer than its stamp is re-read next
 * time, never the reverse. Callers that write the file themselves pass the
 * new value to remember(), so their own writes never wait on the clock's
 * granularity. Bounded; values are shared, so treat them as read-only.
 */
export class FileMemo<T> {
  private readonly entries = new Map<string, {stamp: string; value: T}>();

  constructor(
    private readonly parse: (text: string, file: string) => T,
    private readonly maxFiles = 256,
  ) {}

  /** The parsed file, or undefined when it does not exist. Throws what parse throws. */
  read(file: string): T | undefined {
    const stamp = stampOf(file);
    if (stamp === undefined) {
      this.entries.delete(file);
      return undefined;
    }
    const hit = this.entries.get(file);
    if (hit?.stamp === stamp) return hit.value;
    const value = this.parse(fs.readFileSync(file, 'utf8'), file);
    this.set(file, stamp, value);
    return value;
  }

  /** The file was just written with `value`. */
  remember(file: string, value: T): void {
    const stamp = stampOf(file);
    if (stamp === undefined) this.entries.delete(file);
    else this.set(file, stamp, value);
  }

  /** Forget a file (removed, or its value is no longer known). */
  forget(file: string): void {
    this.entries.delete(file);
  }

  private set(file: string, stamp: string, value: T): void {
    this.entries.delete(file);
    this.entries.set(file, {stamp, value});
    if (this.entries.size > this.maxFiles) this.entries.delete(this.entries.keys().next().value!);
  }
}
