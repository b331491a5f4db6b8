// A toncenter-like endpoint in front of a devnet, for chain-fault tests: real
// sockets, the devnet's own manners (latency, toncenter-shaped 429s with
// Retry-After), and faults a test injects per JSON-RPC method.
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {MannersGate} from '../../src/devnet/manners.js';

/** What to do to one JSON-RPC request. */
export type Fault =
  /** Cut the connection before the devnet sees the request. */
  | 'reset-before'
  /** Forward it (the devnet applies it), then cut the connection instead of answering. */
  | 'reset-after';

/** Options of startRoughEndpoint. */
export interface RoughEndpointOptions {
  /** The devnet's base URL, e.g. http://127.0.0.1:18545. */
  target: string;
  /** ms added to every JSON-RPC answer. Default: 0. */
  latencyMs?: number;
  /** JSON-RPC requests per second before a 429. Default: 0, unlimited. */
  rateLimit?: number;
  /** Called per JSON-RPC request: a fault to inject, or undefined to pass it on. */
  fault?: (method: string) => Fault | undefined;
}

/** A running endpoint. */
export interface RoughEndpoint {
  /** Base URL (the devnet's routes, /jsonRPC included, under it). */
  url: string;
  port: number;
  /** Every JSON-RPC request seen: its method and the status answered (0: cut). */
  log: Array<{method: string; status: number; at: number}>;
  close(): Promise<void>;
}

/** Start a rate-limited, latency-adding endpoint in front of `target` on 127.0.0.1. */
export async function startRoughEndpoint(options: RoughEndpointOptions): Promise<RoughEndpoint> {
  const gate = new MannersGate({latencyMs: options.latencyMs ?? 0, rateLimit: options.rateLimit ?? 0});
  const log: RoughEndpoint['log'] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const rpc = req.method === 'POST' && /\/jsonRPC$/.test(req.url ?? '');
    let method = '';
    if (rpc) {
      try {
        method = String((JSON.parse(body.toString('utf8')) as {method?: unknown}).method ?? '');
      } catch {
        method = '';
      }
      if (!(await gate.admit(res))) {
        log.push({method, status: 429, at: Date.now()});
        return;
      }
    }
    const fault = rpc ? options.fault?.(method) : undefined;
    if (fault === 'reset-before') {
      log.push({method, status: 0, at: Date.now()});
      req.socket.destroy();
      return;
    }
    try {
      const answer = await fetch(options.target + (req.url ?? '/'), {
        method: req.method,
        headers: {'content-type': req.headers['content-type'] ?? 'application/json'},
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      const text = Buffer.from(await answer.arrayBuffer());
      if (rpc) await gate.delay();
      if (fault === 'reset-after') {
        log.push({method, status: 0, at: Date.now()});
        req.socket.destroy();
        return;
      }
      if (rpc) log.push({method, status: answer.status, at: Date.now()});
      res.writeHead(answer.status, {'content-type': answer.headers.get('content-type') ?? 'application/json', 'content-length': text.length, ...(rpc ? gate.headers() : {})});
      res.end(text);
    } catch {
      // The devnet is gone: behave as a dead upstream does.
      if (rpc) log.push({method, status: 502, at: Date.now()});
      res.writeHead(502, {'content-type': 'application/json'});
      res.end(JSON.stringify({ok: false, error: 'Bad gateway', code: 502}));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
