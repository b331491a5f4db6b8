// A TCP proxy that adds a round-trip delay, for benchmarks and tests: put it
// between a consumer and a provider node (or a chain endpoint) to see how the
// protocol behaves over a real network's round trips. Connections, and so
// HTTP keep-alive, pass through as they are. Options model a connection's
// set-up (TCP, TLS) and toncenter's free tier (a request rate per client,
// HTTP 429 beyond it). Loopback only, bounded in connections and buffering.
import net from 'node:net';

/** How the proxy shapes traffic (all of it can be changed while it runs, with `set`). */
export interface DelayShape {
  /** Round-trip delay added, ms (half on each direction). */
  delayMs: number;
  /**
   * Round trips a new connection costs before its first byte goes out: 1 for
   * TCP's handshake, 2 for TCP + TLS 1.3 (an https endpoint). Default: 0.
   */
  connectRoundTrips?: number;
  /**
   * Requests per second admitted, counted over a sliding second when each
   * request would reach the server (toncenter without an API key: 1). One
   * proxy stands for one client: the limit is shared by all its connections.
   * Beyond it the proxy answers HTTP 429 itself, with toncenter's JSON body.
   * Requests are framed by Content-Length (HTTP/1.1, not pipelined); a chunked
   * request body ends the counting on that connection. Default: no limit.
   */
  requestsPerSecond?: number;
}

/** Options of startDelayProxy. */
export interface DelayProxyOptions extends DelayShape {
  /** Where to forward, e.g. {host: '127.0.0.1', port: 8080}. Must be a loopback address. */
  target: {host: string; port: number};
  /** Port to listen on (127.0.0.1). Default: 0, a free one. */
  port?: number;
  /** Connections at once; more are refused. Default: 256. */
  maxConnections?: number;
  /** Bytes held back per direction before the sender is paused. Default: 1 MiB. */
  maxBufferedBytes?: number;
}

/** A running delay proxy. */
export interface DelayProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** HTTP requests from clients so far. */
  readonly requests: number;
  /** Of those, answered 429 by the proxy. */
  readonly refused: number;
  /** Change the shape for what is sent from now on (a connection's set-up cost applies to new connections). */
  set(shape: DelayShape): void;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
/** The longest delay accepted (a typo of 100000 would otherwise hang a test). */
export const MAX_DELAY_MS = 10_000;
/** What toncenter answers a client over its free tier. */
export const TONCENTER_429_BODY = JSON.stringify({ok: false, result: 'Ratelimit exceed', code: 429});
const TOO_MANY = Buffer.from(
  `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(TONCENTER_429_BODY)}\r\nConnection: keep-alive\r\n\r\n${TONCENTER_429_BODY}`,
);
const HEAD_END = Buffer.from('\r\n\r\n');

function checkShape(shape: DelayShape): void {
  if (!(shape.delayMs >= 0 && shape.delayMs <= MAX_DELAY_MS)) throw new Error(`delayMs must be 0…${MAX_DELAY_MS}.`);
  if (shape.connectRoundTrips !== undefined && !(shape.connectRoundTrips >= 0 && shape.connectRoundTrips <= 4)) throw new Error('connectRoundTrips must be 0…4.');
  if (shape.requestsPerSecond !== undefined && !(shape.requestsPerSecond > 0)) throw new Error('requestsPerSecond must be positive.');
}

/** A piece of a stream: bytes, and (when requests are framed) which request they belong to. */
interface Piece {
  bytes: Buffer;
  request?: number;
  /** The first bytes of `request` (its head): the admission decision is taken on these. */
  start?: boolean;
}

/** Splits a client's byte stream into HTTP requests by Content-Length. */
class RequestFramer {
  private head: Buffer = Buffer.alloc(0);
  private bodyLeft = 0;
  private id = 0;
  private passthrough = false;

  split(chunk: Buffer): Piece[] {
    const out: Piece[] = [];
    while (chunk.length > 0) {
      if (this.passthrough) return [...out, {bytes: chunk, request: this.id}];
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length);
        out.push({bytes: chunk.subarray(0, take), request: this.id});
        this.bodyLeft -= take;
        chunk = chunk.subarray(take);
        continue;
      }
      this.head = Buffer.concat([this.head, chunk]);
      const end = this.head.indexOf(HEAD_END);
      if (end < 0) {
        if (this.head.length > 64 * 1024) {
          this.passthrough = true;
          out.push({bytes: this.head, request: ++this.id, start: true});
        }
        return out;
      }
      const head = this.head.subarray(0, end + 4);
      chunk = this.head.subarray(end + 4);
      this.head = Buffer.alloc(0);
      const text = head.toString('latin1');
      this.passthrough = /\r\ntransfer-encoding:/i.test(text);
      this.bodyLeft = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? 0);
      out.push({bytes: head, request: ++this.id, start: true});
    }
    return out;
  }
}

/** Start a delay proxy on 127.0.0.1 in front of `target`. */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  if (!LOOPBACK.test(options.target.host)) throw new Error(`The delay proxy forwards to loopback only, not ${options.target.host}.`);
  checkShape(options);
  let shape: Required<Omit<DelayShape, 'requestsPerSecond'>> & {requestsPerSecond?: number} = {connectRoundTrips: 0, ...options};
  const limit = options.maxBufferedBytes ?? 1024 * 1024;
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let requests = 0;
  let refused = 0;
  /** When admitted requests reached the server, for the sliding second. */
  const admittedAt: number[] = [];
  const admit = (): boolean => {
    const now = performance.now();
    while (admittedAt.length > 0 && admittedAt[0]! <= now - 1000) admittedAt.shift();
    if (admittedAt.length >= shape.requestsPerSecond!) return false;
    admittedAt.push(now);
    return true;
  };

  /**
   * Forward `from` to `to`, each chunk half a round trip later (and not before
   * `openAt`), in order, pausing `from` while too much is held. `framer`: count
   * requests, and answer those over the rate with 429 on `from` instead.
   */
  function pipeDelayed(from: net.Socket, to: net.Socket, openAt: number, framer?: RequestFramer): void {
    let held = 0;
    const decided = new Map<number, boolean>();
    // One queue per direction, due times never decreasing: bytes leave in the order they came.
    const queue: Array<{due: number; run: () => void}> = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0]!.due <= performance.now() + 0.5) queue.shift()!.run();
      if (queue.length > 0) timer = setTimeout(pump, queue[0]!.due - performance.now());
    };
    const later = (run: () => void) => {
      const now = performance.now();
      const due = Math.max(now + shape.delayMs / 2, openAt, queue.at(-1)?.due ?? 0);
      if (due <= now && queue.length === 0) return run(); // no delay: no timer either
      queue.push({due, run});
      timer ??= setTimeout(pump, due - now);
    };
    const release = (piece: Piece): Buffer | undefined => {
      if (piece.start) {
        requests += 1;
        const ok = shape.requestsPerSecond === undefined || admit();
        decided.delete(piece.request! - 1);
        decided.set(piece.request!, ok);
        if (!ok) {
          refused += 1;
          setTimeout(() => from.destroyed || from.write(TOO_MANY), shape.delayMs / 2);
        }
      }
      return piece.request === undefined || decided.get(piece.request) !== false ? piece.bytes : undefined;
    };
    from.on('data', (chunk: Buffer) => {
      held += chunk.length;
      if (held > limit) from.pause();
      const pieces = framer ? framer.split(chunk) : [{bytes: chunk}];
      later(() => {
        held -= chunk.length;
        // One write per chunk, as it came (split writes would meet Nagle's algorithm).
        const out = pieces.map(release).filter((b): b is Buffer => b !== undefined);
        if (out.length > 0 && !to.destroyed) to.write(out.length === 1 ? out[0]! : Buffer.concat(out));
        if (held <= limit && from.isPaused()) from.resume();
      });
    });
    // The end travels with the same delay, after the data before it.
    from.on('end', () => later(() => to.end()));
  }

  const server = net.createServer((client) => {
    accepted += 1;
    const openAt = performance.now() + shape.connectRoundTrips * shape.delayMs + shape.delayMs / 2;
    const upstream = net.connect(options.target.port, options.target.host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // as node:http does for its own sockets
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    pipeDelayed(client, upstream, openAt, new RequestFramer());
    pipeDelayed(upstream, client, 0);
  });
  server.maxConnections = options.maxConnections ?? 256;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const {port} = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get accepted() {
      return accepted;
    },
    get requests() {
      return requests;
    },
    get refused() {
      return refused;
    },
    set(next: DelayShape) {
      checkShape(next);
      shape = {connectRoundTrips: 0, ...next};
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
