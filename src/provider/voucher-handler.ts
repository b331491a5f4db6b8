import type {IncomingMessage, ServerResponse} from 'node:http';
import {Address} from '@ton/core';
import {verifyWaiver} from '../protocol/channel-state.js';
import {firstIssue, VoucherPostSchema} from '../protocol/schemas.js';
import {PROTOCOL_VERSION} from '../protocol/wire.js';
import {applyVoucher, mayWaive, waiveCharge} from './credit.js';
import {NO_CHANNEL} from './channel-guard.js';
import type {ServerContext} from './context.js';
import {readBody} from '../http/body.js';
import {sendError, sendJson} from './http-util.js';

/**
 * POST /v1/voucher (docs/protocol.md §7). A voucher is cumulative: one for more
 * than the channel's paid total and at most what it was charged raises `paid`
 * (it pays every receipt before it, in whatever order they were answered);
 * one for the paid total or less is acknowledged and changes nothing (a
 * retried or overtaken post). With `waive`, the consumer also declines one
 * outstanding charge as never received, signed by its voucher key.
 */
export async function handleVoucher(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refuse = (message: string, code: 'BAD_VOUCHER' | 'BAD_REQUEST' | 'TOO_LARGE' = 'BAD_VOUCHER') => {
    ctx.metrics.inc('cocoon_vouchers_total', {result: 'refused'});
    sendError(res, code, message);
  };
  const wait = ctx.admission.admit(req, ctx.now());
  if (wait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests from this address.', wait);
  const read = await readBody(req, {limit: 4096});
  if (!read.ok) return read.reason === 'too-large' ? refuse('Voucher body too large.', 'TOO_LARGE') : undefined;
  let json: unknown;
  try {
    json = JSON.parse(read.body.toString('utf8'));
  } catch {
    return refuse('Voucher body is not JSON.', 'BAD_REQUEST');
  }
  // Version 1 vouchers had no "v"; any other version is named, so the sender knows to update (docs/protocol.md §16).
  const version = typeof json === 'object' && json !== null ? ('v' in json ? (json as {v: unknown}).v : 1) : undefined;
  if (typeof version === 'number' && version !== PROTOCOL_VERSION) {
    return refuse(`This is a protocol version ${version} voucher; this provider speaks version ${PROTOCOL_VERSION}. ${version < PROTOCOL_VERSION ? 'Update cocoon (npm install -g cocoon-cli@latest).' : 'This provider runs an older cocoon.'}`, 'BAD_REQUEST');
  }
  const parsed = VoucherPostSchema.safeParse(json);
  if (!parsed.success) return refuse(`Voucher body does not match the schema (${firstIssue(parsed.error)}).`, 'BAD_REQUEST');
  const channel = Address.parseRaw(parsed.data.channel);
  const key = channel.toRawString();
  const amount = BigInt(parsed.data.amount);
  const signature = Buffer.from(parsed.data.signature, 'hex');
  const terms = await ctx.guard.lookup(channel);
  if (!terms) return refuse(ctx.guard.refusal?.(channel) ?? NO_CHANNEL);
  if (!ctx.vouchers.verify(channel, amount, signature, terms)) return refuse('Voucher signature is not the channel consumer’s.');
  const waive = parsed.data.waive;
  if (waive && !verifyWaiver(channel, waive.queryId, Buffer.from(waive.signature, 'hex'), terms.consumerKey)) return refuse('The waiver is not signed by the channel consumer’s key.');
  // Signed by the channel's key: counted per channel from here (docs/protocol.md §10).
  const channelWait = ctx.admission.bind(req, key, ctx.now());
  if (channelWait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests on this channel.', channelWait);
  if (amount > terms.deposit) return refuse('Voucher amount is above the channel deposit.');
  const epoch = terms.epoch ?? 1;
  const outcome = await ctx.credit.exclusive(key, async () => {
    let account = await ctx.credit.account(ctx.ledger, key, epoch);
    const amountBefore = account.paid;
    const paid = applyVoucher(account, amount, signature, parsed.data.covers);
    if (typeof paid === 'string') return paid;
    if (paid) account = paid;
    let result = paid && paid.paid > amountBefore ? 'accepted' : 'repeated';
    if (waive) {
      const waived = waiveCharge(account, waive.queryId);
      if (!waived) return `Nothing to waive: query ${waive.queryId} has no outstanding charge on this channel.`;
      if (!mayWaive(account, waived, ctx.maxWaived)) {
        return `This channel has declined ${account.waived} charges (${account.waivedNano ?? 0n} nanoGRAM); beyond ${ctx.maxWaived}, this provider writes off only while the declined sum stays within 1 % of what the channel paid (${account.paid}). The charge stays outstanding: pay it, or use another provider.`;
      }
      account = waived;
      ctx.waived++;
      result = 'waived';
    }
    if (paid || waive) await ctx.credit.save(ctx.ledger, key, account);
    ctx.metrics.inc('cocoon_vouchers_total', {result});
    return account;
  });
  if (typeof outcome === 'string') return refuse(outcome);
  sendJson(res, {ok: true, paid: outcome.paid.toString(), owed: outcome.owed.toString()});
}
