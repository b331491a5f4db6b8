/**
 * A one-line progress bar on stderr, drawn only on a terminal (a pipe or CI
 * gets nothing), plus size and count formatting for command output.
 */

/** A progress bar; every method is a no-op when not drawing. */
export interface ProgressBar {
  /** Redraw with `done` of `total` (same unit as `format`). */
  update(done: number, total: number, suffix?: string): void;
  /** Clear the line. */
  stop(): void;
}

/** Options for createProgressBar. */
export interface ProgressBarOptions {
  /** Text before the bar. */
  label: string;
  /** Draw at all (e.g. the command's `interactiveOutput`). Default: stderr is a TTY and CI is unset. */
  enabled?: boolean;
  /** Formats `done`/`total`. Default: formatBytes. */
  format?: (value: number) => string;
  /** Stream to draw on. Default: process.stderr. */
  stream?: NodeJS.WriteStream;
}

/** Human-readable bytes: 1.2 GiB, 350 MiB, 12 KiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** Human-readable count: 292.8K, 7.6B. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/** Create a progress bar that redraws at most ~10 times a second. */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? (Boolean(stream.isTTY) && !process.env.CI);
  if (!enabled) return {update() {}, stop() {}};
  const format = options.format ?? formatBytes;
  let last = 0;
  let drawn = false;
  return {
    update(done, total, suffix = '') {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(ratio * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const pct = total > 0 ? `${Math.floor(ratio * 100)}%`.padStart(4) : '';
      const amounts = total > 0 ? `${format(done)} / ${format(total)}` : format(done);
      stream.write(`\r\x1b[2K${options.label} ${bar} ${pct} ${amounts}${suffix ? ` ${suffix}` : ''}`);
      drawn = true;
    },
    stop() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
