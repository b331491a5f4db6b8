/**
 * Admission control that runs before any decryption work: a token bucket per
 * source address and a replay cache of query ids. Both are bounded in memory.
 */

/** Token-bucket options. */
export interface RateLimitOptions {
  /** Burst size: requests a source may send at once. Default: 30. */
  capacity?: number;
  /** Sustained requests per second per source. Default: 10. */
  refillPerSecond?: number;
  /** Sources tracked at most; the idlest are dropped beyond it. Default: 10,000. */
  maxSources?: number;
}

/** Per-source token buckets. */
export class RateLimiter {
  private readonly capacity: number;
  private readonly refill: number;
  private readonly maxSources: number;
  private readonly buckets = new Map<string, {tokens: number; at: number}>();

  constructor(options: RateLimitOptions = {}) {
    this.capacity = options.capacity ?? 30;
    this.refill = options.refillPerSecond ?? 10;
    this.maxSources = options.maxSources ?? 10_000;
  }

  /** Take one token for `source`; returns 0 when admitted, else milliseconds until a token is there. */
  take(source: string, now: number): number {
    let b = this.buckets.get(source);
    if (b) {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.refill);
      b.at = now;
      this.buckets.delete(source); // re-insert: Map order doubles as least-recently-used order
    } else {
      b = {tokens: this.capacity, at: now};
    }
    this.buckets.set(source, b);
    if (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.refill) * 1000);
  }
}

/**
 * Query ids seen within the timestamp window. A request is accepted only if
 * its timestamp is within ±window of the provider clock, so an id only has to
 * be remembered until its timestamp leaves the window.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(
    /** Half-width of the accepted timestamp window, ms. */
    private readonly windowMs: number,
    /** Ids remembered at most; beyond it new queries are refused as busy rather than forgetting ids early. */
    readonly maxEntries = 1_000_000,
  ) {}

  /** True if the timestamp is inside the window around `now`. */
  fresh(timestamp: number, now: number): boolean {
    return Math.abs(now - timestamp) <= this.windowMs;
  }

  /** True when no more ids can be remembered (new queries must wait). */
  get full(): boolean {
    return this.seen.size >= this.maxEntries;
  }

  /** True if the id was already used. */
  has(queryId: string): boolean {
    return this.seen.has(queryId);
  }

  /** Remember an id; false if it was already there (or the cache is full). */
  add(queryId: string, timestamp: number, now: number): boolean {
    this.prune(now);
    if (this.seen.has(queryId) || this.seen.size >= this.maxEntries) return false;
    this.seen.set(queryId, timestamp + this.windowMs);
    return true;
  }

  private prune(now: number): void {
    // Entries are inserted in arrival order, which roughly follows expiry; stop at the first live one.
    for (const [id, expires] of this.seen) {
      if (expires >= now) break;
      this.seen.delete(id);
    }
  }
}
