import http from 'node:http';
import https from 'node:https';

/** The part of a fetch Response the provider client reads. */
export interface TransportResponse {
  ok: boolean;
  status: number;
  headers: {get(name: string): string | null; has(name: string): boolean};
  /** The body as it arrives. */
  body: AsyncIterable<Uint8Array> | null;
  /** The whole body as JSON (rejects on anything else). */
  json(): Promise<unknown>;
}

/** What the provider client sends a request through. */
export type Transport = (url: string, init: {method: string; body?: Uint8Array | string; headers?: Record<string, string>; signal?: AbortSignal}) => Promise<TransportResponse>;

/** A node:http response as the client reads it (shared by every node:http-based transport). */
export function transportResponse(res: http.IncomingMessage): TransportResponse {
  const status = res.statusCode ?? 0;
  const header = (name: string) => {
    const v = res.headers[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v);
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: {get: header, has: (name) => header(name) !== null},
    body: res,
    json: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    },
  };
}

/** A fetch function as a Transport (a Response has every field it reads). */
export function fetchTransport(doFetch: typeof fetch): Transport {
  return (url, init) => doFetch(url, init) as Promise<TransportResponse>;
}

// Keep-alive to each provider; idle sockets are closed before the provider's own 5 s keep-alive ends, so a
// request never goes out on a socket the server is closing. Idle sockets do not keep the process alive.
const agents = {
  'http:': new http.Agent({keepAlive: true, timeout: 4_000}),
  'https:': new https.Agent({keepAlive: true, timeout: 4_000}),
};

/**
 * node:http with a keep-alive agent: the client's default. undici's fetch
 * costs ~0.7–1 ms more per request on this machine before the first byte
 * (measured on loopback), which a warm answer pays on its way to the first token.
 */
export const nodeHttpTransport: Transport = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];
    const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
    const request = (target.protocol === 'https:' ? https : http).request(
      target,
      {method: init.method, agent, signal: init.signal, headers: {...init.headers, ...(body ? {'content-length': String(body.byteLength)} : {})}},
      (res) => resolve(transportResponse(res)),
    );
    request.on('error', reject);
    request.end(body);
  });
