import type {IncomingMessage, ServerResponse} from 'node:http';

/** Result of reading a body under a size limit. */
export type BodyResult = {ok: true; body: Buffer} | {ok: false; reason: 'too-large' | 'aborted'};

/** Options of readBody. */
export interface ReadBodyOptions {
  /** Largest body accepted, bytes. Required. */
  limit: number;
  /**
   * Keep reading (and dropping) an oversized body without a declared length up
   * to this many bytes, so the client sees the refusal instead of a reset
   * connection; beyond it the connection is cut. Default: `limit` (stop reading at once).
   */
  drainUpTo?: number;
}

/**
 * Read a request body, never buffering more than `limit` bytes: a declared
 * Content-Length over the limit is refused before reading anything.
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions): Promise<BodyResult> {
  const {limit} = options;
  const drainUpTo = Math.max(options.drainUpTo ?? 0, limit);
  const declared = Number(req.headers['content-length']);
  // Node's server discards an unread body once the answer is sent, so the client still sees the refusal.
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ok: false, reason: 'too-large'});
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > drainUpTo) {
        req.removeAllListeners('data');
        req.pause();
        if (drainUpTo > limit) req.destroy();
        finish({ok: false, reason: 'too-large'});
        return;
      }
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => finish(size > limit ? {ok: false, reason: 'too-large'} : {ok: true, body: Buffer.concat(chunks, size)}));
    req.on('error', () => finish({ok: false, reason: 'aborted'}));
    req.on('close', () => finish({ok: false, reason: 'aborted'}));
  });
}

/** Answer with a JSON body and its length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers});
  res.end(text);
}

/** Wait until a response can take more data (true), or until it closes (false). */
export function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const done = (v: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(v);
    };
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
