import {randomBytes} from 'node:crypto';
import type {Duplex} from 'node:stream';
import {CocoonError} from '../errors.js';
import {startHttpServer, type HttpServer, type RouteHandler} from '../http/server.js';
import {signInfo} from '../protocol/info.js';
import {MAX_FINAL_TOKENS, PROTOCOL_VERSION, type Prices, type ProviderInfo} from '../protocol/wire.js';
import {Admission, ReplayCache} from './admission.js';
import type {ServerContext} from './context.js';
import {sendError, sendJson} from './http-util.js';
import {ChannelCredit, DEFAULT_CREDIT, type CreditLimits} from './credit.js';
import {MemoryChannelLedger, type ChannelLedger} from './ledger.js';
import {ProviderMetrics} from './metrics.js';
import {MAX_POW_DIFFICULTY, type ProviderServerOptions} from './options.js';
import {handleChannel} from './channel-handler.js';
import {handleCancel} from './cancel-handler.js';
import {handleQuery} from './query-handler.js';
import {handleVoucher} from './voucher-handler.js';
import {VoucherCheck} from './voucher-check.js';

export {MAX_POW_DIFFICULTY, type ProviderServerOptions} from './options.js';

/** A running provider node. */
export interface ProviderServer {
  /** Base URL, e.g. http://127.0.0.1:43125. */
  readonly url: string;
  /** Counters (also served at /metrics). */
  readonly metrics: ProviderMetrics;
  /** Serve a connection made elsewhere (a libp2p stream: src/provider/p2p-endpoint.ts), with the same routes and limits. */
  accept(socket: Duplex): void;
  /** The live info this node signs for GET /v1/info. */
  info(): ProviderInfo;
  /** New prices for /v1/info and for queries admitted from now on (queries in flight keep theirs). */
  setPrices(prices: Prices): void;
  /**
   * Refuse queries (503 SHUTTING_DOWN with `reason`) until resume(): the node
   * no longer matches its registration. Vouchers are still taken.
   */
  suspend(reason: string): void;
  /** Take queries again after suspend(). */
  resume(): void;
  /** The reason queries are refused, while suspended. */
  readonly suspended: string | undefined;
  /**
   * Stop accepting queries (vouchers are still taken), end running generations
   * (each finishes with a final frame charged for what was sent), then close
   * the sockets. Does not dispose the engine, which the caller owns. Idempotent.
   */
  close(): Promise<void>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Receipts carry prices as u64: refuse what could not be signed later, before serving anyone. */
function checkPrices(prices: Prices): void {
  for (const price of [prices.prompt, prices.completion]) {
    if (price < 0n || price >= 1n << 64n) throw new CocoonError('INVALID_INPUT', `Price ${price} nanoGRAM per token is outside 0 … 2^64 − 1.`);
  }
}

/** The waived counts of every account (an unreadable one counts 0 here; settlement reports it). */
async function waivedInLedger(ledger: ChannelLedger): Promise<number> {
  let n = 0;
  for (const channel of ledger.channels()) n += (await ledger.get(channel).catch(() => undefined))?.waived ?? 0;
  return n;
}

/**
 * The largest query body worth reading: a prompt at the byte bound with every
 * character JSON-escaped (at most 6 bytes each), plus room for the rest of the
 * request, the header and the tag; never over 1 MiB. Anything larger cannot
 * hold a prompt this node takes, so it is refused (413) from its Content-Length
 * before a byte of it is read, decrypted or parsed.
 */
function defaultBodyLimit(maxPromptBytes: number): number {
  return Math.min(1 << 20, maxPromptBytes * 6 + 64 * 1024);
}

/** The credit window from options, checked (DEFAULT_CREDIT where left out). */
function creditLimits(credit: ProviderServerOptions['credit']): CreditLimits {
  const limits = {queries: credit?.queries ?? DEFAULT_CREDIT.queries, nano: credit?.nano ?? DEFAULT_CREDIT.nano};
  if (!Number.isInteger(limits.queries) || limits.queries < 1) throw new CocoonError('INVALID_INPUT', `The credit window must allow at least 1 answer, got ${limits.queries}.`);
  if (limits.nano < 1n) throw new CocoonError('INVALID_INPUT', `The credit window must be at least 1 nanoGRAM, got ${limits.nano}.`);
  return limits;
}

// The label set of each route and status seen, made once (frozen, so the metrics keep its text).
const requestLabelSets = new Map<string, Readonly<Record<string, string>>>();
function requestLabels(route: string, status: number): Record<string, string> {
  const id = `${route} ${status}`;
  let labels = requestLabelSets.get(id);
  if (!labels) {
    labels = Object.freeze({route, status: String(status)});
    if (requestLabelSets.size < 1024) requestLabelSets.set(id, labels);
  }
  return labels as Record<string, string>;
}

/** Start a provider node's HTTP server and resolve once it listens. */
export async function createProviderServer(options: ProviderServerOptions): Promise<ProviderServer> {
  checkPrices(options.prices);
  if (options.nodeKey.x25519SecretKey.length !== 32 || options.nodeKey.ed25519Seed.length !== 32) {
    throw new CocoonError('INVALID_INPUT', 'The node key is not a 32-byte X25519 secret and a 32-byte Ed25519 seed.');
  }
  const pow = options.powDifficulty ?? 0;
  if (!Number.isInteger(pow) || pow < 0 || pow > MAX_POW_DIFFICULTY) {
    throw new CocoonError('INVALID_INPUT', `Proof-of-work difficulty ${pow} is outside 0 … ${MAX_POW_DIFFICULTY} bits.`, {hint: `Each bit doubles a consumer's work per query; ${MAX_POW_DIFFICULTY} bits is about a second.`});
  }
  const maxWaived = options.maxWaived ?? 3;
  if (!Number.isInteger(maxWaived) || maxWaived < 0) throw new CocoonError('INVALID_INPUT', `maxWaived must be a whole number ≥ 0, got ${maxWaived}.`);
  const timestampWindowMs = options.timestampWindowMs ?? 60_000;
  const maxPromptBytesPerToken = options.maxPromptBytesPerToken ?? 16;
  if (!(maxPromptBytesPerToken >= 1)) throw new CocoonError('INVALID_INPUT', `maxPromptBytesPerToken must be ≥ 1, got ${maxPromptBytesPerToken}.`);
  const ctx: ServerContext = {
    engine: options.engine,
    modelSha256: options.modelSha256 || options.engine.model.sha256,
    nodeKey: options.nodeKey,
    prices: {...options.prices},
    guard: options.guard,
    ledger: options.ledger ?? new MemoryChannelLedger(),
    maxBodyBytes: options.maxBodyBytes ?? defaultBodyLimit(options.engine.model.contextSize * maxPromptBytesPerToken),
    // The final frame carries every output token id: no answer may outgrow one frame (docs/protocol.md §5).
    maxTokens: Math.min(options.maxTokens ?? 4096, MAX_FINAL_TOKENS),
    maxPromptBytesPerToken,
    timestampWindowMs,
    powDifficulty: pow,
    maxWaived,
    waived: 0,
    maxGenerationMs: options.maxGenerationMs ?? 600_000,
    coalesceMs: options.coalesceMs ?? 10,
    software: options.software ?? 'cocoon/0.1.0',
    now: options.now ?? Date.now,
    random: options.random ?? ((n) => randomBytes(n)),
    metrics: new ProviderMetrics(),
    admission: new Admission({rateLimit: options.rateLimit, channelRateLimit: options.channelRateLimit, trustedProxies: options.trustedProxies}),
    replay: new ReplayCache(timestampWindowMs),
    credit: new ChannelCredit(creditLimits(options.credit)),
    vouchers: new VoucherCheck(),
    generations: new Set(),
    running: new Map(),
  };
  ctx.metrics.gauge('cocoon_active_generations', 'Generations running now.', () => ctx.generations.size);
  ctx.waived = await waivedInLedger(ctx.ledger);
  ctx.metrics.gauge('cocoon_waived_charges', 'Charges written off because the consumer said it never received the answer, every channel of the ledger.', () => ctx.waived);

  const info = (): ProviderInfo => {
    const m = ctx.engine.model;
    return {
      protocol: PROTOCOL_VERSION,
      software: ctx.software,
      time: ctx.now(),
      models: [{name: m.name, architecture: m.architecture, sha256: ctx.modelSha256, contextSize: m.contextSize, ...(m.kind === 'embeddings' ? {kind: m.kind, dimensions: m.dimensions} : {})}],
      prices: {prompt: ctx.prices.prompt.toString(), completion: ctx.prices.completion.toString()},
      load: ctx.engine.load(),
      keys: {x25519: hex(ctx.nodeKey.x25519PublicKey), ed25519: hex(ctx.nodeKey.ed25519PublicKey)},
      pow: {difficulty: ctx.powDifficulty},
      limits: {maxBodyBytes: ctx.maxBodyBytes, maxTokens: ctx.maxTokens, timestampWindowMs, maxPromptBytes: m.contextSize * ctx.maxPromptBytesPerToken},
      credit: {queries: ctx.credit.limits.queries, nano: ctx.credit.limits.nano.toString()},
      attestation: null,
    };
  };

  let server: HttpServer | undefined;
  const closing = () => server?.closing ?? false;
  // A route table on the shared server; while closing, vouchers are still taken: they pay for answers already sent.
  const routes: Record<string, RouteHandler> = {
    'POST /v1/query': (req, res) => handleQuery(ctx, req, res),
    'POST /v1/voucher': (req, res) => handleVoucher(ctx, req, res),
    'POST /v1/channel': (req, res) => handleChannel(ctx, req, res),
    'POST /v1/cancel': (req, res) => handleCancel(ctx, req, res),
    'GET /v1/info': (req, res) => {
      // Each answer costs a signature: rate-limited like queries.
      const wait = ctx.admission.admit(req, ctx.now());
      if (wait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests from this address.', wait);
      sendJson(res, signInfo(info(), ctx.nodeKey.ed25519Seed));
    },
    'GET /healthz': (_req, res) => {
      const up = !closing() && ctx.suspended === undefined;
      sendJson(res, {ok: up, ...(ctx.suspended === undefined ? {} : {reason: ctx.suspended})}, up ? 200 : 503);
    },
    'GET /metrics': (_req, res) => {
      res.writeHead(200, {'content-type': 'text/plain; version=0.0.4'});
      res.end(ctx.metrics.render());
    },
  };
  server = await startHttpServer({
    host: options.host ?? '127.0.0.1',
    port: options.port === null ? null : (options.port ?? 0),
    // Streams get a moment to write their final frame after their generation is stopped, then everything left is cut.
    closeGraceMs: 2_000,
    handle: (req, res, request) => {
      const {route} = request;
      res.on('finish', () => ctx.metrics.inc('cocoon_http_requests_total', requestLabels(route in routes ? route : 'other', res.statusCode)));
      if (closing() && route !== 'GET /healthz' && route !== 'POST /v1/voucher') return sendError(res, 'SHUTTING_DOWN', 'The provider is shutting down.');
      if (ctx.suspended !== undefined && route === 'POST /v1/query') {
        req.resume();
        return sendError(res, 'SHUTTING_DOWN', ctx.suspended);
      }
      const handler = routes[route];
      if (handler) return handler(req, res, request);
      req.resume();
      sendError(res, 'NOT_FOUND', `No route ${route}.`);
    },
    onError: (err, _req, res) => {
      if (!res.headersSent) sendError(res, 'INTERNAL', 'Internal error.');
      else res.destroy(err instanceof Error ? err : undefined);
    },
    listenError: (err) => new CocoonError('PROVIDER_UNAVAILABLE', `Cannot listen: ${err.message}`, {cause: err}),
  });
  const http = server;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      const done = http.close();
      for (const g of ctx.generations) g.abort();
      await done;
      await ctx.credit.flush(ctx.ledger); // vouchers that rode on queries and are not on disk yet
    })();
    return closed;
  };
  options.signal?.addEventListener('abort', () => void close(), {once: true});
  if (options.signal?.aborted) await close();

  return {
    url: http.url,
    metrics: ctx.metrics,
    info,
    close,
    accept: (socket) => http.accept(socket),
    setPrices(prices) {
      checkPrices(prices);
      ctx.prices = {...prices};
    },
    suspend(reason) {
      ctx.suspended = reason;
    },
    resume() {
      ctx.suspended = undefined;
    },
    get suspended() {
      return ctx.suspended;
    },
  };
}
