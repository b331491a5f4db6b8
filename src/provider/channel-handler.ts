import type {IncomingMessage, ServerResponse} from 'node:http';
import {Address} from '@ton/core';
import {readBody} from '../http/body.js';
import {signChannelState, verifyChannelRequest} from '../protocol/channel-state.js';
import {ChannelRequestSchema, firstIssue} from '../protocol/schemas.js';
import {NO_CHANNEL} from './channel-guard.js';
import type {ServerContext} from './context.js';
import {sendError, sendJson} from './http-util.js';

/**
 * POST /v1/channel: what this provider holds for a channel (paid, owed, the
 * pending receipt, waivers), signed by the node key. Only the channel's
 * consumer may ask: the request is signed by the voucher key the channel
 * contract names, with a timestamp inside the window (docs/protocol.md §9.1).
 */
export async function handleChannel(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const now = ctx.now();
  const wait = ctx.admission.admit(req, now);
  if (wait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests from this address.', wait);
  const read = await readBody(req, {limit: 4096});
  if (!read.ok) return read.reason === 'too-large' ? sendError(res, 'TOO_LARGE', 'Channel request body too large.') : undefined;
  let json: unknown;
  try {
    json = JSON.parse(read.body.toString('utf8'));
  } catch {
    return sendError(res, 'BAD_REQUEST', 'Channel request body is not JSON.');
  }
  const parsed = ChannelRequestSchema.safeParse(json);
  if (!parsed.success) return sendError(res, 'BAD_REQUEST', `Channel request body does not match the schema (${firstIssue(parsed.error)}).`);
  const {timestamp} = parsed.data;
  if (!ctx.replay.fresh(timestamp, now)) return sendError(res, 'STALE', `Timestamp is outside ±${ctx.timestampWindowMs} ms of the provider clock.`);
  const channel = Address.parseRaw(parsed.data.channel);
  const terms = await ctx.guard.lookup(channel);
  if (!terms) return sendError(res, 'UNKNOWN_CHANNEL', ctx.guard.refusal?.(channel) ?? NO_CHANNEL);
  if (!verifyChannelRequest(channel, timestamp, Buffer.from(parsed.data.signature, 'hex'), terms.consumerKey)) {
    return sendError(res, 'BAD_VOUCHER', 'The request is not signed by this channel’s voucher key.');
  }
  const channelWait = ctx.admission.bind(req, channel.toRawString(), now);
  if (channelWait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests on this channel.', channelWait);
  const account = await ctx.credit.account(ctx.ledger, channel.toRawString(), terms.epoch ?? 1);
  sendJson(
    res,
    signChannelState(
      {channel, time: ctx.now(), request: timestamp, paid: account.paid, owed: account.owed, waived: account.waived, outstanding: (account.outstanding ?? []).map(({receipt, signature}) => ({receipt, signature}))},
      ctx.nodeKey.ed25519Seed,
    ),
  );
}
