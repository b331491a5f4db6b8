import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {randomBytes} from 'node:crypto';
import {CocoonError} from '../errors.js';
import {signInfo} from '../protocol/info.js';
import {PROTOCOL_VERSION, type ProviderInfo} from '../protocol/wire.js';
import {RateLimiter, ReplayCache} from './admission.js';
import type {ServerContext} from './context.js';
import {sendError, sendJson} from './http-util.js';
import {MemoryChannelLedger} from './ledger.js';
import {ProviderMetrics} from './metrics.js';
import type {ProviderServerOptions} from './options.js';
import {handleQuery} from './query-handler.js';
import {handleVoucher} from './voucher-handler.js';

export type {ProviderServerOptions} from './options.js';

/** A running provider node. */
export interface ProviderServer {
  /** Base URL, e.g. http://127.0.0.1:43125. */
  readonly url: string;
  /** Counters (also served at /metrics). */
  readonly metrics: ProviderMetrics;
  /** The live info this node signs for GET /v1/info. */
  info(): ProviderInfo;
  /**
   * Stop accepting queries (vouchers are still taken), end running generations
   * (each finishes with a final frame charged for what was sent), then close
   * the sockets. Does not dispose the engine, which the caller owns. Idempotent.
   */
  close(): Promise<void>;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Start a provider node's HTTP server and resolve once it listens. */
export async function createProviderServer(options: ProviderServerOptions): Promise<ProviderServer> {
  // Receipts carry prices as u64: refuse what could not be signed later, before serving anyone.
  for (const price of [options.prices.prompt, options.prices.completion]) {
    if (price < 0n || price >= 1n << 64n) throw new CocoonError('INVALID_INPUT', `Price ${price} nanoTON per token is outside 0 … 2^64 − 1.`);
  }
  if (options.nodeKey.x25519SecretKey.length !== 32 || options.nodeKey.ed25519Seed.length !== 32) {
    throw new CocoonError('INVALID_INPUT', 'The node key is not a 32-byte X25519 secret and a 32-byte Ed25519 seed.');
  }
  const timestampWindowMs = options.timestampWindowMs ?? 60_000;
  const ctx: ServerContext = {
    engine: options.engine,
    nodeKey: options.nodeKey,
    prices: options.prices,
    guard: options.guard,
    ledger: options.ledger ?? new MemoryChannelLedger(),
    maxBodyBytes: options.maxBodyBytes ?? 1 << 20,
    maxTokens: options.maxTokens ?? 4096,
    timestampWindowMs,
    powDifficulty: options.powDifficulty ?? 0,
    maxGenerationMs: options.maxGenerationMs ?? 600_000,
    coalesceMs: options.coalesceMs ?? 10,
    software: options.software ?? 'cocoon/0.1.0',
    now: options.now ?? Date.now,
    random: options.random ?? ((n) => randomBytes(n)),
    metrics: new ProviderMetrics(),
    limiter: new RateLimiter(options.rateLimit),
    replay: new ReplayCache(timestampWindowMs),
    locks: new Set(),
    generations: new Set(),
  };
  ctx.metrics.gauge('cocoon_active_generations', 'Generations running now.', () => ctx.generations.size);

  const info = (): ProviderInfo => {
    const m = ctx.engine.model;
    return {
      protocol: PROTOCOL_VERSION,
      software: ctx.software,
      time: ctx.now(),
      models: [{name: m.name, architecture: m.architecture, sha256: m.sha256, contextSize: m.contextSize}],
      prices: {prompt: ctx.prices.prompt.toString(), completion: ctx.prices.completion.toString()},
      load: ctx.engine.load(),
      keys: {x25519: hex(ctx.nodeKey.x25519PublicKey), ed25519: hex(ctx.nodeKey.ed25519PublicKey)},
      pow: {difficulty: ctx.powDifficulty},
      limits: {maxBodyBytes: ctx.maxBodyBytes, maxTokens: ctx.maxTokens, timestampWindowMs},
      attestation: null,
    };
  };

  let closing = false;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    res.on('finish', () => ctx.metrics.inc('cocoon_http_requests_total', {route: knownRoute(route), status: String(res.statusCode)}));
    // While closing, vouchers are still taken: they pay for answers already sent.
    if (closing && route !== 'GET /healthz' && route !== 'POST /v1/voucher') return sendError(res, 'SHUTTING_DOWN', 'The provider is shutting down.');
    const fail = (err: unknown) => {
      if (!res.headersSent) sendError(res, 'INTERNAL', 'Internal error.');
      else res.destroy(err instanceof Error ? err : undefined);
    };
    switch (route) {
      case 'POST /v1/query':
        return void handleQuery(ctx, req, res).catch(fail);
      case 'POST /v1/voucher':
        return void handleVoucher(ctx, req, res).catch(fail);
      case 'GET /v1/info': {
        // Each answer costs a signature: rate-limited like queries.
        const wait = ctx.limiter.take(req.socket.remoteAddress ?? 'unknown', ctx.now());
        if (wait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests from this address.', wait);
        return sendJson(res, signInfo(info(), ctx.nodeKey.ed25519Seed));
      }
      case 'GET /healthz':
        return sendJson(res, {ok: !closing}, closing ? 503 : 200);
      case 'GET /metrics':
        res.writeHead(200, {'content-type': 'text/plain; version=0.0.4'});
        return void res.end(ctx.metrics.render());
      default:
        req.resume();
        return sendError(res, 'NOT_FOUND', `No route ${route}.`);
    }
  });
  // Slow-loris guards: a client must send its headers and body promptly.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new CocoonError('PROVIDER_UNAVAILABLE', `Cannot listen: ${err.message}`, {cause: err})));
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      for (const g of ctx.generations) g.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Streams get a moment to write their final frame, then everything left is cut.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
    })();
    return closed;
  };
  options.signal?.addEventListener('abort', () => void close(), {once: true});
  if (options.signal?.aborted) await close();

  return {url: `http://${host}:${address.port}`, metrics: ctx.metrics, info, close};
}

function knownRoute(route: string): string {
  return ['POST /v1/query', 'POST /v1/voucher', 'GET /v1/info', 'GET /healthz', 'GET /metrics'].includes(route) ? route : 'other';
}
