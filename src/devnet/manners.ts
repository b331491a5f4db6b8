import type http from 'node:http';
import {sendJson} from '../http/body.js';

/**
 * The real network's manners, for testing an app against something that behaves
 * like toncenter without an API key: a delay on every JSON-RPC answer, and a
 * request rate beyond which answers are 429 in toncenter's shape.
 */
export interface NetworkManners {
  /** Added to every JSON-RPC answer, ms. 0: none. */
  latencyMs: number;
  /** JSON-RPC requests per second admitted; beyond it a 429. 0: unlimited. */
  rateLimit: number;
}

/** No delay, no limit: the devnet's default. */
export const NO_MANNERS: NetworkManners = {latencyMs: 0, rateLimit: 0};

/** Header that advertises the rate limit on every JSON-RPC answer (clients pace themselves by it). */
export const RATE_LIMIT_HEADER = 'x-ratelimit-limit';

/** toncenter's body for a request over the limit. */
export const RATE_LIMITED_BODY = {ok: false, error: 'Ratelimit exceed', code: 429} as const;

/**
 * A sliding one-second window, as toncenter counts: at most `rate` requests
 * admitted in any 1000 ms. A refused request is not counted.
 */
export class RateWindow {
  private readonly admitted: number[] = [];

  constructor(
    readonly rate: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Admit one request, or say how many whole seconds to wait (Retry-After). */
  admit(): {ok: true} | {ok: false; retryAfterS: number} {
    if (this.rate <= 0) return {ok: true};
    const now = this.now();
    while (this.admitted.length > 0 && this.admitted[0]! <= now - 1000) this.admitted.shift();
    if (this.admitted.length < this.rate) {
      this.admitted.push(now);
      return {ok: true};
    }
    return {ok: false, retryAfterS: Math.max(1, Math.ceil((this.admitted[0]! + 1000 - now) / 1000))};
  }
}

/** Applies manners in front of a JSON-RPC handler: the devnet server and test proxies share it. */
export class MannersGate {
  private readonly window: RateWindow;

  constructor(readonly manners: NetworkManners) {
    this.window = new RateWindow(manners.rateLimit);
  }

  /** Headers every JSON-RPC answer carries (the advertised limit). */
  headers(): Record<string, string> {
    return this.manners.rateLimit > 0 ? {[RATE_LIMIT_HEADER]: String(this.manners.rateLimit)} : {};
  }

  /**
   * Count the request; when over the limit, answer 429 (after the latency) and
   * return false. Otherwise return true: the caller answers, after `delay()`.
   */
  async admit(res: http.ServerResponse): Promise<boolean> {
    const verdict = this.window.admit();
    if (verdict.ok) return true;
    await this.delay();
    sendJson(res, 429, RATE_LIMITED_BODY, {...this.headers(), 'retry-after': verdict.retryAfterS});
    return false;
  }

  /** Wait the configured latency. */
  delay(): Promise<void> {
    return this.manners.latencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.manners.latencyMs)) : Promise.resolve();
  }
}
