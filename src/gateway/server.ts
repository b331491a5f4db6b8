import {createHash, timingSafeEqual} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {NetworkName} from '../config/settings.js';
import {CocoonError} from '../errors.js';
import {startHttpServer} from '../http/server.js';
import {serveCompletion, type CompletionContext, type CompletionOutcome} from './completion.js';
import {ProviderDirectory} from './directory.js';
import {serveEmbeddings} from './embeddings.js';
import {httpIo} from './http-io.js';
import {KeyedMutex} from '../consumer/keyed-mutex.js';
import {OpenAiError} from './openai-error.js';
import {RequestPacer} from './pacer.js';
import {VoucherFlusher} from '../consumer/voucher-flusher.js';
import type {Gateway, GatewayOptions} from './options.js';

export type {Gateway, GatewayOptions, GatewayRequestEvent} from './options.js';

/** True for addresses only this machine can reach. */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** The host name of a Host header, without its port. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Start the OpenAI-compatible gateway: GET /v1/models, POST /v1/chat/completions
 * and POST /v1/completions, each completion a paid, end-to-end encrypted query
 * to a provider on the network. Binds to loopback unless given an API key.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  if (!loopback && !options.apiKey) {
    throw new CocoonError('USAGE', `Refusing to listen on ${host} without an API key: anyone who reaches it could spend your channels.`, {
      hint: 'Set COCOON_GATEWAY_API_KEY, or listen on 127.0.0.1.',
    });
  }
  const expectedKey = options.apiKey ? digest(options.apiKey) : undefined;
  const maxBody = options.maxBodyBytes ?? 1 << 20;
  const directory = new ProviderDirectory({client: options.client, registry: options.registry, cacheMs: options.discoveryCacheMs, registryCacheMs: options.registryCacheMs, audit: options.audit});
  const ctx: CompletionContext = {
    client: options.client,
    registry: options.registry,
    store: options.store,
    network: options.store.network as NetworkName,
    directory,
    funding: options.funding,
    locks: new KeyedMutex(options.maxQueuePerProvider ?? 64),
    pacer: new RequestPacer(options.pacing),
    flusher: new VoucherFlusher(),
    defaults: {chatMaxTokens: options.defaultMaxTokens ?? 256, completionMaxTokens: 16},
    registryCacheMs: options.registryCacheMs,
  };

  const authorize = (req: IncomingMessage) => {
    if (!expectedKey) return;
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!match) throw new OpenAiError(401, "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", 'invalid_request_error', 'invalid_api_key');
    // Hashes have equal length, so the comparison takes the same time for every wrong key.
    if (!timingSafeEqual(digest(match[1]!.trim()), expectedKey)) throw new OpenAiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  };

  const route = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal, outcome: CompletionOutcome) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://gateway').pathname.replace(/\/+$/, '') || '/';
    if (server.closing) throw new OpenAiError(503, 'The gateway is shutting down.', 'server_error', 'shutting_down');
    // A web page cannot reach a loopback gateway through a hostile DNS name (DNS rebinding).
    if (loopback && !isLoopback(hostName(req.headers.host))) throw new OpenAiError(403, 'Requests must name this machine (localhost) as their Host.', 'invalid_request_error', 'forbidden_host');
    if (path === '/healthz') return httpIo.sendJson(res, 200, {ok: true});
    authorize(req);
    const known = {'/v1/models': 'GET', '/v1/chat/completions': 'POST', '/v1/completions': 'POST', '/v1/embeddings': 'POST'} as Record<string, string>;
    if (path.startsWith('/v1/models/') && method === 'GET') {
      let id: string;
      try {
        id = decodeURIComponent(path.slice('/v1/models/'.length));
      } catch {
        throw new OpenAiError(400, 'The model id in the URL is not valid percent-encoding.', 'invalid_request_error', 'invalid_value', 'model');
      }
      const entry = (await directory.models()).find((m) => m.id.toLowerCase() === id.toLowerCase());
      if (!entry) throw new OpenAiError(404, `The model '${id}' does not exist or no provider on the network serves it.`, 'invalid_request_error', 'model_not_found', 'model');
      return httpIo.sendJson(res, 200, entry);
    }
    if (!known[path]) throw new OpenAiError(404, `Invalid URL (${method} ${path}).`, 'invalid_request_error', 'unknown_url');
    if (known[path] !== method) throw new OpenAiError(405, `Use ${known[path]} for ${path}.`, 'invalid_request_error', 'method_not_allowed');
    if (path === '/v1/models') return httpIo.sendJson(res, 200, {object: 'list', data: await directory.models()});
    const body = await httpIo.readJson(req, maxBody);
    if (path === '/v1/embeddings') return serveEmbeddings(ctx, body, res, signal, outcome);
    await serveCompletion(ctx, path === '/v1/chat/completions' ? 'chat' : 'completion', body, res, signal, outcome);
  };

  const server = await startHttpServer({
    host,
    port: options.port ?? 8741,
    // Headers and body must arrive promptly; answers may stream for long.
    requestTimeoutMs: 60_000,
    closeGraceMs: options.shutdownGraceMs ?? 10_000,
    handle: async (req, res, {path, signal}) => {
      const started = performance.now();
      const outcome: CompletionOutcome = {};
      let error: OpenAiError | undefined;
      try {
        await route(req, res, signal, outcome);
      } catch (err) {
        error = OpenAiError.from(err);
        if (!req.complete) req.resume();
        httpIo.sendError(res, error, error.status === 401 ? {'www-authenticate': 'Bearer'} : {});
      } finally {
        options.onRequest?.({method: req.method ?? '', path, status: error?.status ?? res.statusCode, ms: Math.round(performance.now() - started), ...outcome, error: error?.message ?? outcome.error});
      }
    },
    listenError: (err) => new CocoonError('USAGE', `Cannot listen on ${host}:${options.port ?? 8741}: ${err.message}`, {cause: err, hint: 'Choose another --port.'}),
    signal: options.signal,
  });
  // Vouchers still waiting are posted before the gateway ends (they are saved either way: the next query carries them).
  return {url: server.url, close: () => server.close().finally(() => ctx.flusher.flush())};
}
