// What a claim costs and whether it did anything: the numbers a settler weighs
// before it sends a voucher (docs/contracts.md, "External claims").
import {ChannelConst} from './constants.js';
import {forwardFee, gasFee, type GasPrices, type MsgPrices} from './fees.js';
import type {ChannelState} from './channel-codec.js';

/** The body size the channel prices an external claim's import fee for: op, amount (≤ 2^56), signature. */
export const EXTERNAL_CLAIM_BITS = ChannelConst.EXT_CLAIM_BITS;

/** How an external claim of `due` (newest voucher − paid) splits, from the chain's config. */
export interface ExternalClaimSplit {
  /** What the channel keeps back: gas bound plus the worst import fee (body in a ref). */
  cost: bigint;
  /** The channel refuses a due at or below this (cost plus a second import bound for the payout's forward fee). */
  threshold: bigint;
  /** The payout's own forward fee, paid out of the payout. */
  payoutForwardFee: bigint;
  /** What lands on the provider's wallet: due − cost − payoutForwardFee; 0 when the channel would refuse the claim. */
  received: bigint;
  /** False when the channel refuses it before ACCEPT (nothing happens on chain, nothing is paid). */
  accepted: boolean;
}

/** The split of an external claim for `amount` on a channel that has paid `paid` (same formulas as channel.tolk). */
export function externalClaimSplit(amount: bigint, paid: bigint, gas: GasPrices, msg: MsgPrices): ExternalClaimSplit {
  const due = amount > paid ? amount - paid : 0n;
  const importBound = forwardFee(EXTERNAL_CLAIM_BITS, 1, msg);
  const cost = gasFee(ChannelConst.GAS_CLAIM_EXTERNAL, gas) + importBound;
  const threshold = cost + importBound;
  const payoutForwardFee = forwardFee(0, 0, msg);
  const accepted = due > threshold;
  return {cost, threshold, payoutForwardFee, received: accepted ? due - cost - payoutForwardFee : 0n, accepted};
}

/**
 * True if a claim between two reads of the channel state moved `paid` in the
 * same life: the only sign a claim did anything. A settler that sees false must
 * not send the same voucher again (stale, above the deposit, or refused).
 */
export function claimMovedPaid(before: Pick<ChannelState, 'epoch' | 'paid'>, after: Pick<ChannelState, 'epoch' | 'paid'>): boolean {
  return after.epoch === before.epoch && after.paid > before.paid;
}

/** The channel's storage reserve, kept at (re)open and refunded at close. */
export const CHANNEL_STORAGE_RESERVE = BigInt(ChannelConst.STORAGE_RESERVE);
