import type {IncomingMessage, ServerResponse} from 'node:http';
import type {z} from 'zod';
import {readBody, sendJson as sendJsonBody} from '../http/body.js';
import {firstIssue} from '../protocol/schemas.js';
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

/**
 * The body of a small JSON POST, parsed by `schema`: undefined when it was
 * refused (too large, not JSON, not the schema: a plain error has been sent)
 * or the client left while sending it. `what` names it in the messages.
 */
export async function readJsonPost<T>(req: IncomingMessage, res: ServerResponse, options: {limit: number; what: string; schema: z.ZodType<T>}): Promise<T | undefined> {
  const read = await readBody(req, {limit: options.limit});
  if (!read.ok) {
    if (read.reason === 'too-large') sendError(res, 'TOO_LARGE', `${options.what} body too large.`);
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(read.body.toString('utf8'));
  } catch {
    sendError(res, 'BAD_REQUEST', `${options.what} body is not JSON.`);
    return undefined;
  }
  const parsed = options.schema.safeParse(json);
  if (!parsed.success) {
    sendError(res, 'BAD_REQUEST', `${options.what} body does not match the schema (${firstIssue(parsed.error)}).`);
    return undefined;
  }
  return parsed.data;
}
