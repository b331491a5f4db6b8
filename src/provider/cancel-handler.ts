import type {IncomingMessage, ServerResponse} from 'node:http';
import {Address} from '@ton/core';
import {verifyCancel} from '../protocol/channel-state.js';
import {CancelPostSchema} from '../protocol/schemas.js';
import type {ServerContext} from './context.js';
import {readJsonPost, sendError, sendJson} from './http-util.js';

/**
 * POST /v1/cancel (docs/protocol.md §9, §8 rule 3): the consumer stops one of its running
 * answers early. The generation ends, and the answer's own stream closes with
 * finish `abort` and a receipt for exactly the tokens sent, which the consumer
 * pays as any other: stopping costs what arrived, no more, and the provider
 * never answers for free. Only the channel's voucher key may stop its answers;
 * a query that already ended (or never ran here) is NOT_FOUND, and nothing changes.
 */
export async function handleCancel(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const wait = ctx.admission.admit(req, ctx.now());
  if (wait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests from this address.', wait);
  const body = await readJsonPost(req, res, {limit: 1024, what: 'Cancel', schema: CancelPostSchema});
  if (!body) return;
  const {queryId} = body;
  const channel = Address.parseRaw(body.channel);
  const key = channel.toRawString();
  const running = ctx.running.get(`${key}/${queryId}`);
  if (!running) return sendError(res, 'NOT_FOUND', `No answer ${queryId} of this channel is running (it may have ended).`);
  if (!verifyCancel(channel, queryId, Buffer.from(body.signature, 'hex'), running.consumerKey)) {
    return sendError(res, 'BAD_VOUCHER', 'The cancel is not signed by this channel’s voucher key.');
  }
  // Signed by the channel's key: counted per channel from here (docs/protocol.md §10).
  const channelWait = ctx.admission.bind(req, key, ctx.now());
  if (channelWait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests on this channel.', channelWait);
  running.stop();
  ctx.metrics.inc('cocoon_queries_cancelled_total');
  sendJson(res, {ok: true});
}
