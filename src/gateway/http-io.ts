import type {IncomingMessage, ServerResponse} from 'node:http';
import {readBody, sendJson as sendJsonBody} from '../http/body.js';
import {OpenAiError} from './openai-error.js';

/** Small HTTP helpers of the gateway: bounded JSON bodies, JSON and error answers, SSE events. */
export const httpIo = {
  /**
   * The request body parsed as JSON. A body over `limit` bytes is 413 (an
   * undeclared one is drained up to 16× the limit, so the client sees the
   * answer rather than a reset connection); bad JSON is 400; a non-JSON content type is 415,
   * which also keeps browsers from posting here without a CORS preflight.
   */
  async readJson(req: IncomingMessage, limit: number): Promise<unknown> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      throw new OpenAiError(415, "The request body must be JSON, sent with 'Content-Type: application/json'.", 'invalid_request_error', 'unsupported_media_type');
    }
    const read = await readBody(req, {limit, drainUpTo: limit * 16});
    if (!read.ok && read.reason === 'too-large') throw new OpenAiError(413, `The request body is larger than ${limit} bytes.`, 'invalid_request_error', 'request_too_large');
    if (!read.ok) throw new OpenAiError(400, 'The request body was cut off.', 'invalid_request_error', 'incomplete_body');
    try {
      return JSON.parse(read.body.toString('utf8'));
    } catch (error) {
      throw new OpenAiError(400, `We could not parse the JSON body of your request: ${(error as Error).message}.`, 'invalid_request_error', 'invalid_json');
    }
  },

  /** Answer with a JSON body. */
  sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    sendJsonBody(res, status, body, headers);
  },

  /** Answer with an OpenAI error body (nothing, if the answer has already begun). */
  sendError(res: ServerResponse, error: OpenAiError, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    httpIo.sendJson(res, error.status, error.body(), headers);
  },

  /** Start a server-sent event stream. `trailers` names headers sent after the last event. */
  openEvents(res: ServerResponse, headers: Record<string, string>, trailers: string[] = []): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Reverse proxies (nginx) otherwise buffer the stream.
      'x-accel-buffering': 'no',
      ...(trailers.length > 0 ? {trailer: trailers.join(', ')} : {}),
      ...headers,
    });
    res.flushHeaders();
  },

  /** One `data:` event: a JSON value, or the literal `[DONE]`. */
  sendEvent(res: ServerResponse, data: unknown): void {
    if (!res.destroyed) res.write(`data: ${data === '[DONE]' ? '[DONE]' : JSON.stringify(data)}\n\n`);
  },
};
