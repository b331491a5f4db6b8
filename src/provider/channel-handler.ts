import type {IncomingMessage, ServerResponse} from 'node:http';
import {Address} from '@ton/core';
import {signChannelState, verifyChannelRequest} from '../protocol/channel-state.js';
import {ChannelRequestSchema} from '../protocol/schemas.js';
import {NO_CHANNEL} from './channel-guard.js';
import type {ServerContext} from './context.js';
import {readJsonPost, sendError, sendJson} from './http-util.js';

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
  const body = await readJsonPost(req, res, {limit: 4096, what: 'Channel request', schema: ChannelRequestSchema});
  if (!body) return;
  const {timestamp} = body;
  if (!ctx.replay.fresh(timestamp, now)) return sendError(res, 'STALE', `Timestamp is outside ±${ctx.timestampWindowMs} ms of the provider clock.`);
  const channel = Address.parseRaw(body.channel);
  const terms = await ctx.guard.lookup(channel);
  if (!terms) return sendError(res, 'UNKNOWN_CHANNEL', ctx.guard.refusal?.(channel) ?? NO_CHANNEL);
  if (!verifyChannelRequest(channel, timestamp, Buffer.from(body.signature, 'hex'), terms.consumerKey)) {
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
