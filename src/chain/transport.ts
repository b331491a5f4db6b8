// The HTTP transport under every chain call: TonClient's axios requests go
// through `chainTransport(...)` (its `httpAdapter`), which paces them under the
// endpoint's rate and retries what is safe to retry.
//
// Why our own transport on node:http rather than axios's http adapter: @ton/ton
// brings axios as its own dependency, and this module should not rely on how
// npm hoists it. (Not fetch: it refuses the WHATWG "bad ports", 6000 among them.)
import http from 'node:http';
import https from 'node:https';

/** Header a rate-limited endpoint (the devnet with --rate-limit) advertises its limit in. */
export const RATE_LIMIT_HEADER = 'x-ratelimit-limit';

/** Extra ms between request starts on top of 1000/rps, so clock jitter never puts two in one window. */
export const PACING_MARGIN_MS = 40;

/** How hard to retry. */
export interface RetryPolicy {
  /** Attempts per request, the first included. Default: 8. */
  maxAttempts: number;
  /** First backoff, doubled per attempt (with jitter). Default: 300 ms. */
  baseDelayMs: number;
  /** Largest single backoff. Default: 8 s. */
  maxDelayMs: number;
  /** Give up when the next wait would end later than this after the first attempt. Default: 60 s. */
  budgetMs: number;
}

/** The retry policy unless a caller gives another. */
export const DEFAULT_RETRY: RetryPolicy = {maxAttempts: 8, baseDelayMs: 300, maxDelayMs: 8000, budgetMs: 60_000};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Spreads one process's requests to one endpoint: at most `rps` starts per
 * second, and none at all while a 429's Retry-After runs.
 */
export class Pacer {
  private intervalMs = 0;
  private nextAt = 0;
  private blockedUntil = 0;
  /** True when the rate was set by the caller, not learned from the endpoint. */
  private fixed = false;

  constructor(rps = 0) {
    if (rps > 0) this.setRate(rps, true);
  }

  /** Requests per second (0: unlimited). `fixed`: a configured rate, never replaced by an advertised one. */
  setRate(rps: number, fixed = false): void {
    if (this.fixed && !fixed) return;
    this.fixed ||= fixed;
    this.intervalMs = rps > 0 ? Math.ceil(1000 / rps) + PACING_MARGIN_MS : 0;
  }

  /** The rate the endpoint advertises, taken unless one was configured. */
  learn(advertised: string | null): void {
    const rps = Number(advertised);
    if (advertised && Number.isFinite(rps) && rps > 0) this.setRate(rps);
  }

  /** ms between request starts (0: unlimited). */
  get interval(): number {
    return this.intervalMs;
  }

  /** Wait for this request's slot. */
  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (this.blockedUntil > now) {
        await sleep(this.blockedUntil - now);
        continue;
      }
      const at = Math.max(now, this.nextAt);
      this.nextAt = at + this.intervalMs;
      if (at > now) await sleep(at - now);
      // A 429 that arrived while this one waited holds it too.
      if (this.blockedUntil <= Date.now()) return;
    }
  }

  /** Hold every request back for `ms` (a 429's Retry-After). */
  holdOff(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, Date.now() + ms);
  }
}

const pacers = new Map<string, Pacer>();

/** The one pacer of this process for an endpoint (every ChainClient on it shares it). */
export function pacerFor(endpoint: string, rps: number): Pacer {
  let pacer = pacers.get(endpoint);
  if (!pacer) {
    pacer = new Pacer();
    pacers.set(endpoint, pacer);
  }
  if (rps > 0) pacer.setRate(rps, true);
  return pacer;
}

/** What went wrong with one HTTP exchange, shaped like an axios error (chainError reads `code` and `response`). */
export class TransportError extends Error {
  /** Errno-style code for network failures (ECONNREFUSED, ECONNRESET, ETIMEDOUT …). */
  code?: string;
  /** The answer, for HTTP errors. */
  response?: {status: number; data: unknown; headers: Record<string, string>};
  /**
   * A message-sending call (sendBoc) whose request may have reached the chain:
   * it was not retried, and whether the message was accepted is unknown.
   */
  outcomeUnknown = false;
  /** Attempts made. */
  attempts = 1;
  /** JSON-RPC method. */
  method?: string;

  constructor(message: string, init: {code?: string; response?: TransportError['response']; cause?: unknown; method?: string}) {
    super(message, init.cause === undefined ? undefined : {cause: init.cause});
    this.name = 'TransportError';
    this.code = init.code;
    this.response = init.response;
    this.method = init.method;
  }
}

/** JSON-RPC methods that send a message: never repeated on an ambiguous failure. */
const SENDING = /^send/;
/** Codes of a request that never reached the server (safe to repeat even for sendBoc). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Network failures worth another try for a read. */
const TRANSIENT = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ERR_NETWORK', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/** A 5xx answer to sendBoc that says the message was refused (not an ambiguous failure). */
const REFUSED = /cannot apply external message|malformed|failed to (parse|unpack|deserialize)|invalid|duplicate|already/i;

/** Seconds or an HTTP date → ms (capped), or undefined. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : undefined;
}

/** One HTTP exchange. */
function exchange(url: string, options: {method: string; headers: Record<string, string>; body: string; timeoutMs: number}) {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise<{status: number; statusText: string; headers: Record<string, string>; text: string}>((resolve, reject) => {
    const req = transport.request(target, {method: options.method, headers: {...options.headers, 'content-length': String(Buffer.byteLength(options.body))}}, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(res.headers)) if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
        resolve({status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers, text: Buffer.concat(chunks).toString('utf8')});
      });
    });
    req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), {code: 'ETIMEDOUT'})));
    req.on('error', reject);
    req.end(options.body);
  });
}

function networkCode(error: unknown): string {
  const e = error as {name?: string; code?: string; cause?: {code?: string; name?: string}};
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') return 'ETIMEDOUT';
  const code = e?.cause?.code ?? e?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'ETIMEDOUT';
  return code ?? 'ERR_NETWORK';
}

/** The minimal request an axios adapter receives. */
interface AdapterRequest {
  url?: string;
  method?: string;
  data?: unknown;
  headers?: unknown;
  timeout?: number;
}

/** Options of chainTransport. */
export interface TransportOptions {
  /** Requests per second for this endpoint (0: unlimited unless the endpoint advertises a limit). */
  rps?: number;
  retry?: Partial<RetryPolicy>;
  /** Told about each retry (for logs and tests). */
  onRetry?: (event: {method?: string; attempt: number; delayMs: number; reason: string}) => void;
}

function headerObject(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const source = headers && typeof (headers as {toJSON?: () => unknown}).toJSON === 'function' ? (headers as {toJSON: () => unknown}).toJSON() : headers;
  for (const [key, value] of Object.entries((source ?? {}) as Record<string, unknown>)) {
    if (value !== undefined && value !== null && typeof value !== 'object') out[key] = String(value);
  }
  return out;
}

/**
 * An axios adapter (TonClient's `httpAdapter`) that paces requests to
 * `endpoint` and retries 429, 5xx, timeouts and connection resets with
 * exponential backoff (Retry-After honoured). A message-sending call is
 * retried only where the request certainly did not reach the chain (429,
 * connection refused); any other failure of one is thrown with
 * `outcomeUnknown`, for the sender to settle from what the chain shows.
 */
export function chainTransport(endpoint: string, options: TransportOptions = {}) {
  const pacer = pacerFor(endpoint, options.rps ?? 0);
  const policy = {...DEFAULT_RETRY, ...options.retry};
  return async (config: AdapterRequest) => {
    const body = typeof config.data === 'string' ? config.data : JSON.stringify(config.data ?? {});
    let method: string | undefined;
    try {
      method = (JSON.parse(body) as {method?: string}).method;
    } catch {
      method = undefined;
    }
    const sending = method !== undefined && SENDING.test(method);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      await pacer.take();
      let failure: TransportError;
      let retryAfter: number | undefined;
      try {
        const res = await exchange(config.url ?? endpoint, {
          method: (config.method ?? 'post').toUpperCase(),
          headers: headerObject(config.headers),
          body,
          timeoutMs: config.timeout || 30_000,
        });
        pacer.learn(res.headers[RATE_LIMIT_HEADER] ?? null);
        let data: unknown = res.text;
        try {
          data = JSON.parse(res.text);
        } catch {
          // not JSON: kept as text
        }
        const headers = res.headers;
        const ok = res.status >= 200 && res.status < 300;
        if (ok) return {data, status: res.status, statusText: res.statusText, headers, config, request: {}};
        failure = new TransportError(`Request failed with status code ${res.status}`, {response: {status: res.status, data, headers}, method});
        retryAfter = parseRetryAfter(res.headers['retry-after']);
        const refusal = res.status >= 500 && typeof data === 'object' && data !== null && REFUSED.test(String((data as {error?: unknown}).error ?? ''));
        const retryable = res.status === 429 || (res.status >= 500 && !refusal);
        if (!retryable) throw failure;
        if (res.status === 429) pacer.holdOff(retryAfter ?? Math.max(pacer.interval, policy.baseDelayMs));
        else if (sending) failure.outcomeUnknown = true;
      } catch (error) {
        if (error instanceof TransportError) {
          error.attempts = attempt;
          throw error;
        }
        const code = networkCode(error);
        failure = new TransportError(`${code}: ${(error as Error).message}`, {code, cause: error, method});
        if (NOT_SENT.has(code) && !TRANSIENT.has(code)) {
          // Nothing listens there: say so at once rather than after a minute of retries.
          failure.attempts = attempt;
          throw failure;
        }
        // A reset or a timeout may come after the server took the message.
        if (sending) failure.outcomeUnknown = true;
      }
      failure.attempts = attempt;
      if (failure.outcomeUnknown) throw failure;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      const delayMs = Math.max(retryAfter ?? 0, backoff);
      if (attempt >= policy.maxAttempts || Date.now() + delayMs - started > policy.budgetMs) throw failure;
      options.onRetry?.({method, attempt, delayMs: Math.round(delayMs), reason: failure.response ? `HTTP ${failure.response.status}` : (failure.code ?? 'error')});
      await sleep(delayMs);
    }
  };
}
