import type {ServerResponse} from 'node:http';
import {sendJson as sendJsonBody} from '../http/body.js';
import {WIRE_ERRORS} from '../protocol/errors.js';
import type {WireErrorCode} from '../protocol/wire.js';

/** Send a plain JSON error body (docs/protocol.md §9). */
export function sendError(res: ServerResponse, code: WireErrorCode, message: string, retryAfterMs?: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = WIRE_ERRORS[code].status === 200 ? 400 : WIRE_ERRORS[code].status;
  const headers: Record<string, string> = {};
  if (retryAfterMs !== undefined) headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
  sendJsonBody(res, status, {error: {code, message, ...(retryAfterMs === undefined ? {} : {retryAfterMs})}}, headers);
}

/** Send a JSON body (status 200 unless told). */
export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  sendJsonBody(res, status, body);
}
