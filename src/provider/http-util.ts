import type {IncomingMessage, ServerResponse} from 'node:http';
import {WIRE_ERRORS} from '../protocol/errors.js';
import type {WireErrorCode} from '../protocol/wire.js';

/** Send a plain JSON error body (docs/protocol.md §9). */
export function sendError(res: ServerResponse, code: WireErrorCode, message: string, retryAfterMs?: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = WIRE_ERRORS[code].status === 200 ? 400 : WIRE_ERRORS[code].status;
  const headers: Record<string, string> = {'content-type': 'application/json', 'cache-control': 'no-store'};
  if (retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
  res.writeHead(status, headers);
  res.end(JSON.stringify({error: {code, message, ...(retryAfterMs === undefined ? {} : {retryAfterMs})}}));
}

/** Send a JSON body with status 200. */
export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, {'content-type': 'application/json', 'cache-control': 'no-store'});
  res.end(JSON.stringify(body));
}

/** Result of reading a body under a size limit. */
export type BodyResult = {ok: true; body: Buffer} | {ok: false; reason: 'too-large' | 'aborted'};

/**
 * Read a request body, stopping at `limit` bytes without buffering more: a
 * declared Content-Length over the limit is refused before reading anything.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
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
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        finish({ok: false, reason: 'too-large'});
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish({ok: true, body: Buffer.concat(chunks, size)}));
    req.on('error', () => finish({ok: false, reason: 'aborted'}));
    req.on('close', () => finish({ok: false, reason: 'aborted'}));
  });
}

/** Wait until a response can take more data, or until it closes (false). */
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
