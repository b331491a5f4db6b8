// A TCP proxy that adds a round-trip delay, for the provider side of benchmarks
// and tests (the chain side has `cocoon devnet start --latency`): put it between
// a consumer and a provider node to see how the protocol behaves over a real
// network's round trips. Loopback only, bounded in connections and buffering.
import net from 'node:net';

/** Options of startDelayProxy. */
export interface DelayProxyOptions {
  /** Where to forward, e.g. {host: '127.0.0.1', port: 8080}. Must be a loopback address. */
  target: {host: string; port: number};
  /** Round-trip delay added, ms (half on each direction). */
  delayMs: number;
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
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
/** The longest delay accepted (a typo of 100000 would otherwise hang a test). */
export const MAX_DELAY_MS = 10_000;

/** Forward `from` to `to`, each chunk `ms` later, in order, pausing `from` while too much is held. */
function pipeDelayed(from: net.Socket, to: net.Socket, ms: number, limit: number): void {
  let held = 0;
  from.on('data', (chunk: Buffer) => {
    held += chunk.length;
    if (held > limit) from.pause();
    setTimeout(() => {
      held -= chunk.length;
      if (!to.destroyed) to.write(chunk);
      if (held <= limit && from.isPaused()) from.resume();
    }, ms);
  });
  // The end travels with the same delay, after the data before it.
  from.on('end', () => setTimeout(() => to.end(), ms));
}

/** Start a delay proxy on 127.0.0.1 in front of `target`. */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  if (!LOOPBACK.test(options.target.host)) throw new Error(`The delay proxy forwards to loopback only, not ${options.target.host}.`);
  if (!(options.delayMs >= 0 && options.delayMs <= MAX_DELAY_MS)) throw new Error(`delayMs must be 0…${MAX_DELAY_MS}.`);
  const half = options.delayMs / 2;
  const limit = options.maxBufferedBytes ?? 1024 * 1024;
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted += 1;
    const upstream = net.connect(options.target.port, options.target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    pipeDelayed(client, upstream, half, limit);
    pipeDelayed(upstream, client, half, limit);
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
