import http, {type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Duplex} from 'node:stream';
import {CocoonError} from '../errors.js';

/** One route's handler: the parsed path, and a signal that aborts when the client leaves or the server is closed past its grace. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => void | Promise<void>;

/** What a handler gets beside the request and the response. */
export interface RequestContext {
  /** Path without the query string. */
  path: string;
  /** `METHOD /path`. */
  route: string;
  /** Aborted when the client goes away before the answer is whole, or when close() gives up waiting. */
  signal: AbortSignal;
}

/** Options of startHttpServer. */
export interface HttpServerOptions {
  /** Every request; throwing (or rejecting) reaches `onError`. Required. */
  handle: RouteHandler;
  /** Answers a request whose handler threw. Default: a bare 500 (or a cut connection once the answer began). */
  onError?: (error: unknown, req: IncomingMessage, res: ServerResponse) => void;
  /** Listen address. Default: 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one; null listens on nothing (connections come only through accept(), e.g. libp2p streams). Required. */
  port: number | null;
  /** What a listen failure becomes (the caller knows the hint). Default: a PROVIDER_UNAVAILABLE naming the address. */
  listenError?: (error: NodeJS.ErrnoException) => Error;
  /** The client must send all headers within this, ms (slow-loris guard). Default: 10 s. */
  headersTimeoutMs?: number;
  /** The client must send the whole request within this, ms. Default: 30 s. Answers may stream for longer. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this, ms. Default: 5 s (Node's). */
  keepAliveTimeoutMs?: number;
  /** close() waits this long for requests in flight, then aborts them and cuts every connection, ms. Default: 10 s. */
  closeGraceMs?: number;
  /** Aborting it closes the server. */
  signal?: AbortSignal;
}

/** A listening HTTP server. */
export interface HttpServer {
  /** Base URL, e.g. http://127.0.0.1:43125 or http://[::1]:43125; empty when it listens on nothing. */
  readonly url: string;
  readonly port: number;
  /** True once close() was called. */
  readonly closing: boolean;
  /** Requests whose handler has not finished. */
  readonly inFlight: number;
  /**
   * Stop accepting connections, let requests in flight finish within the
   * grace period, then abort their signals and cut what is left. Idempotent.
   */
  close(options?: {graceMs?: number}): Promise<void>;
  /** Serve HTTP on a connection made elsewhere (any Duplex with net.Socket's few methods: src/p2p/stream-duplex.ts). */
  accept(socket: Duplex): void;
}

/** The URL of a listening socket, with IPv6 hosts bracketed. */
export function serverUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** `METHOD /path` of a request, the path without its query string. */
export function requestRoute(req: IncomingMessage): {path: string; route: string} {
  const path = (req.url ?? '/').split('?')[0] || '/';
  return {path, route: `${req.method ?? 'GET'} ${path}`};
}

function defaultOnError(_error: unknown, _req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, {'content-type': 'application/json'});
  res.end(JSON.stringify({error: 'internal error'}));
}

/**
 * The one HTTP server of the provider, the gateway and the devnet: listen,
 * slow-client timeouts, a signal per request, in-flight tracking, and one
 * graceful close (wait, then abort, then cut).
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const inflight = new Set<{abort: (reason: Error) => void; done: Promise<void>}>();
  const onError = options.onError ?? defaultOnError;
  let closing = false;
  const server = http.createServer((req, res) => {
    // The signal is made when a handler first asks for it (most never do; an AbortController per request shows in profiles).
    let controller: AbortController | undefined;
    let reason: Error | undefined;
    const abort = (why: Error) => {
      reason ??= why;
      controller?.abort(why);
    };
    res.on('close', () => {
      if (!res.writableFinished) abort(new CocoonError('ABORTED', 'The client went away.'));
    });
    const {path, route} = requestRoute(req);
    const context: RequestContext = {
      path,
      route,
      get signal() {
        if (!controller) {
          controller = new AbortController();
          if (reason) controller.abort(reason);
        }
        return controller.signal;
      },
    };
    const entry = {abort, done: Promise.resolve()};
    entry.done = (async () => {
      try {
        await options.handle(req, res, context);
      } catch (error) {
        if (!req.complete) req.resume();
        try {
          onError(error, req, res);
        } catch {
          res.destroy();
        }
      } finally {
        inflight.delete(entry);
      }
    })();
    inflight.add(entry);
  });
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  const host = options.host ?? '127.0.0.1';
  if (options.port !== null) await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(options.listenError?.(error) ?? new CocoonError('PROVIDER_UNAVAILABLE', `Cannot listen on ${host}:${options.port}: ${error.message}`, {cause: error}));
    });
    server.listen(options.port as number, host, () => resolve());
  });
  const address = server.address() as AddressInfo | null;

  const accepted = new Set<Duplex>();
  let closed: Promise<void> | undefined;
  const close = (opts: {graceMs?: number} = {}): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      server.closeIdleConnections();
      const graceMs = opts.graceMs ?? options.closeGraceMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.all([...inflight].map((r) => r.done)), grace]);
      clearTimeout(timer);
      for (const r of inflight) r.abort(new CocoonError('ABORTED', 'The server is shutting down.'));
      await Promise.race([Promise.all([...inflight].map((r) => r.done)), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      server.closeAllConnections();
      // node:http tracks only the connections of a listening socket: accepted ones are cut here.
      for (const socket of accepted) socket.destroy();
      await stopped;
    })();
    return closed;
  };
  options.signal?.addEventListener('abort', () => void close(), {once: true});
  if (options.signal?.aborted) await close();
  return {
    url: address ? serverUrl(address) : '',
    port: address?.port ?? 0,
    get closing() {
      return closing;
    },
    get inFlight() {
      return inflight.size;
    },
    close,
    accept(socket) {
      if (closing) return void socket.destroy();
      accepted.add(socket);
      socket.once('close', () => accepted.delete(socket));
      server.emit('connection', socket);
    },
  };
}
