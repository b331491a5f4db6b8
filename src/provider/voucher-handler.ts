import type {IncomingMessage, ServerResponse} from 'node:http';
import {Address} from '@ton/core';
import {verifyVoucher} from '../chain/contracts/voucher.js';
import {firstIssue, VoucherPostSchema} from '../protocol/schemas.js';
import {NO_CHANNEL} from './channel-guard.js';
import type {ServerContext} from './context.js';
import {readBody} from '../http/body.js';
import {sendError, sendJson} from './http-util.js';
import {currentAccount} from './ledger.js';

/**
 * POST /v1/voucher. Accepts a voucher for exactly the channel's owed total
 * (which clears the pending charge), re-accepts the current paid total
 * idempotently, and with `waive` set and amount = paid, drops a pending charge
 * the consumer says it never received (docs/protocol.md §8).
 */
export async function handleVoucher(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refuse = (message: string, code: 'BAD_VOUCHER' | 'BAD_REQUEST' | 'TOO_LARGE' | 'CHANNEL_BUSY' = 'BAD_VOUCHER') => {
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
  const parsed = VoucherPostSchema.safeParse(json);
  if (!parsed.success) return refuse(`Voucher body does not match the schema (${firstIssue(parsed.error)}).`, 'BAD_REQUEST');
  const channel = Address.parseRaw(parsed.data.channel);
  const key = channel.toRawString();
  const amount = BigInt(parsed.data.amount);
  const signature = Buffer.from(parsed.data.signature, 'hex');
  if (ctx.locks.has(key)) return refuse('The channel has a query in progress.', 'CHANNEL_BUSY');
  ctx.locks.add(key);
  try {
    const terms = await ctx.guard.lookup(channel);
    if (!terms) return refuse(ctx.guard.refusal?.(channel) ?? NO_CHANNEL);
    if (!verifyVoucher({channel, amount, epoch: terms.epoch, globalId: terms.globalId}, signature, terms.consumerKey)) return refuse('Voucher signature is not the channel consumer’s.');
    // Signed by the channel's key: counted per channel from here (docs/protocol.md §10).
    const channelWait = ctx.admission.bind(req, key, ctx.now());
    if (channelWait > 0) return sendError(res, 'RATE_LIMITED', 'Too many requests on this channel.', channelWait);
    if (amount > terms.deposit) return refuse('Voucher amount is above the channel deposit.');
    const epoch = terms.epoch ?? 1;
    const account = await currentAccount(ctx.ledger, key, epoch);
    const waive = parsed.data.waive;
    if (waive !== undefined) {
      if (!account.pending || account.pending.queryId !== waive || amount !== account.paid) {
        return refuse('Nothing to waive: no pending charge for that query, or the amount is not the paid total.');
      }
      await ctx.ledger.put(key, {paid: account.paid, owed: account.paid, voucher: account.voucher, waived: account.waived + 1, epoch});
      ctx.waived++;
      ctx.metrics.inc('cocoon_vouchers_total', {result: 'waived'});
      return sendJson(res, {ok: true, paid: account.paid.toString(), owed: account.paid.toString()});
    }
    if (amount === account.paid && amount !== account.owed) {
      // The current paid total again while a receipt is pending (a retried post): idempotent, changes nothing.
      ctx.metrics.inc('cocoon_vouchers_total', {result: 'repeated'});
      return sendJson(res, {ok: true, paid: account.paid.toString(), owed: account.owed.toString()});
    }
    if (amount !== account.owed) {
      return refuse(`Voucher amount ${amount} is not the owed total ${account.owed}.`);
    }
    await ctx.ledger.put(key, {paid: amount, owed: amount, voucher: {amount, signature}, waived: account.waived, epoch});
    ctx.metrics.inc('cocoon_vouchers_total', {result: 'accepted'});
    sendJson(res, {ok: true, paid: amount.toString(), owed: amount.toString()});
  } finally {
    ctx.locks.delete(key);
  }
}
