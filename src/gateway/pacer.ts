import {CocoonError} from '../errors.js';

/** Options of a RequestPacer. */
export interface PacerOptions {
  /** Requests that may go out at once. Default: 300. */
  burst?: number;
  /** Sustained requests per second. Default: 180. */
  perSecond?: number;
  /** Clock, ms. Default: Date.now. */
  now?: () => number;
}

/**
 * A token bucket per provider node on the gateway's side. A provider counts a
 * paid request against its channel's bucket (burst 400, 200 a second by
 * default, docs/protocol.md §10.1), and a gateway's answers on one provider
 * node share one channel; so the gateway paces itself a little below that
 * instead of collecting refusals.
 */
export class RequestPacer {
  private readonly buckets = new Map<string, {tokens: number; at: number}>();
  private readonly burst: number;
  private readonly perSecond: number;
  private readonly now: () => number;

  constructor(options: PacerOptions = {}) {
    this.burst = options.burst ?? 300;
    this.perSecond = options.perSecond ?? 180;
    this.now = options.now ?? Date.now;
  }

  /** Wait until `cost` requests to `key` may go out, then count them as sent. Callers for one key must not overlap. */
  async take(key: string, cost: number, signal?: AbortSignal): Promise<void> {
    const b = this.buckets.get(key) ?? {tokens: this.burst, at: this.now()};
    this.buckets.set(key, b);
    const refill = () => {
      const now = this.now();
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
    };
    refill();
    const need = Math.min(cost, this.burst);
    if (b.tokens < need) {
      await sleep(Math.ceil(((need - b.tokens) / this.perSecond) * 1000), signal);
      refill();
    }
    b.tokens -= need;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new CocoonError('ABORTED', 'The request was cancelled while it waited.');
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}
