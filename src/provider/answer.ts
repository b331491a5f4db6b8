/**
 * What every kind of answer (generated text, embeddings) shares on the
 * provider: refusals with a wire code, and the charge recorded before the
 * signed receipt leaves (docs/protocol.md §8).
 */
import {isCocoonError} from '../errors.js';
import {queryCost} from '../protocol/pricing.js';
import {signReceipt} from '../protocol/receipt.js';
import type {OutstandingReceipt, Prices, QueryRequest, Receipt, SignedReceipt, WireErrorCode} from '../protocol/wire.js';
import type {Usage} from '../inference/types.js';
import type {ServerContext} from './context.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A query refused with a wire code; thrown inside the handler and answered (encrypted once the request is open). */
export class Refusal extends Error {
  constructor(
    readonly code: WireErrorCode,
    message: string,
    readonly outstanding?: OutstandingReceipt[],
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** An engine error as a refusal: BUSY and INVALID_INPUT (e.g. a prompt longer than the context) keep their meaning and message. */
export function engineRefusal(err: unknown, fallback: string): Refusal {
  if (isCocoonError(err) && err.code === 'BUSY') return new Refusal('BUSY', err.message);
  if (isCocoonError(err) && err.code === 'INVALID_INPUT') return new Refusal('INVALID_QUERY', err.message);
  return new Refusal('ENGINE_ERROR', fallback);
}

/** The channel an answer is charged to, and its reservation (released once the charge is staged). */
export interface AnswerSlot {
  channel: string;
  epoch: number;
  release: () => void;
}

/** What a receipt commits to beyond money (docs/protocol.md §6). */
export type Commitments = Pick<Receipt, 'modelHash' | 'sampling' | 'inputHash' | 'promptHash' | 'outputHash' | 'textHash' | 'reasoningTokens'>;

/**
 * Sign the answer's receipt and record its charge as outstanding, durably,
 * before anything of it is sent: a crash can't serve a free answer. The
 * channel's queue is held only to stage the charge; its fsync is awaited
 * outside it, so queries starting on the channel meanwhile don't wait for the disk.
 */
export async function chargeAnswer(ctx: ServerContext, slot: AnswerSlot, q: QueryRequest, usage: Usage, prices: Prices, commitments: Commitments): Promise<SignedReceipt> {
  const cost = queryCost(usage, prices);
  let durable: Promise<void> = Promise.resolve();
  const signed = await ctx.credit.exclusive(slot.channel, async () => {
    const account = await ctx.credit.account(ctx.ledger, slot.channel, slot.epoch);
    const total = account.owed + cost;
    const receipt = signReceipt({queryId: q.queryId, channel: q.channel, usage, prices, cost, total, timestamp: ctx.now(), ...commitments}, ctx.nodeKey.ed25519Seed);
    const outstanding = [...(account.outstanding ?? []), {queryId: hex(q.queryId), receipt: hex(receipt.bytes), signature: hex(receipt.signature)}];
    durable = ctx.credit.stage(ctx.ledger, slot.channel, {...account, owed: total, outstanding});
    slot.release();
    return receipt;
  });
  await durable;
  return signed;
}

const NO_HASH = new Uint8Array(32);

/** The model file's SHA-256 as the receipt holds it (zeros for an engine without a file). */
export function modelHashOf(ctx: ServerContext): Uint8Array {
  return /^[0-9a-f]{64}$/.test(ctx.modelSha256) ? Buffer.from(ctx.modelSha256, 'hex') : NO_HASH;
}
