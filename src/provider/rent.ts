// A record's prepaid rent (registry v2: records pay their own storage). A
// registration prepays a year; once that runs out, anyone may evict the record
// a grace period later (its owner gets the stake less the rent it overran) and
// consumers stop choosing it. This module tells where a record stands and
// prepays more with `pay_rent` (anyone may send it; all of its value beyond the
// gas fee becomes rent).
import {toNano} from '@ton/core';
import {CocoonError} from '../errors.js';
import {RegistryConst} from '../chain/contracts/constants.js';
import {Registry} from '../chain/contracts/registry.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {formatTon} from '../chain/units.js';
import {rentStatus, type RentStatus} from '../chain/contracts/registry-rent.js';
import {ownedRecord, type RegistryAccess} from './registration.js';

const DAY = 86_400;

/** What a renewal prepays unless told otherwise: a year. */
export const DEFAULT_RENEW_SECONDS = 365 * DAY;

/** What renewing a record sends: the rent for `seconds`, the shard's gas fee, and when the rent will run to. */
export interface RenewalQuote {
  /** Attach exactly this to pay_rent. */
  value: bigint;
  rent: bigint;
  fee: bigint;
  /** Unix seconds the rent runs to afterwards (at least). */
  paidUntil: number;
}

/**
 * The quote for prepaying `seconds` more, counted from the current horizon
 * (which lies in the past once the rent ran out: that overrun is owed first, so
 * fewer days than the overrun are refused). Refuses a horizon past 10 years
 * from now, less a day for the chain's clock (the shard would bounce it with
 * RENT_TOO_HIGH).
 */
export function renewalQuote(record: ProviderRecord, options: {seconds: number; registerFee: bigint; now?: number}): RenewalQuote {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const rate = record.rentRate;
  if (!record.paidUntil || !rate) throw new CocoonError('INVALID_INPUT', 'This record has no rent horizon (registry v1 data): it cannot be renewed.', {hint: 'Register it again on a v2 registry.'});
  if (!Number.isInteger(options.seconds) || options.seconds < DAY) throw new CocoonError('USAGE', 'Renew for at least a day.', {hint: 'Use e.g. --days 365.'});
  const paidUntil = record.paidUntil + options.seconds;
  if (paidUntil < now + DAY) {
    const overrun = Math.ceil((now - record.paidUntil) / DAY);
    throw new CocoonError('USAGE', `The rent ran out ${overrun} days ago, and renewing pays that first: ${Math.floor(options.seconds / DAY)} days would not reach past tomorrow.`, {
      hint: `Renew for at least ${overrun + 1} days (--days), e.g. --days ${overrun + 365}.`,
    });
  }
  // A day short of the shard's 10-year bound: the chain's clock runs ahead of ours by the time the message takes.
  const maxUntil = now + RegistryConst.MAX_RENT_PERIOD - DAY;
  if (paidUntil > maxUntil) {
    const room = Math.floor((maxUntil - record.paidUntil) / DAY);
    throw new CocoonError('USAGE', `At most 10 years of rent may be prepaid; this record is paid until ${new Date(record.paidUntil * 1000).toISOString().slice(0, 10)}, so at most ${Math.max(room, 0)} more days fit.`, {
      hint: room >= 1 ? `Use --days ${room} or fewer.` : 'Nothing to renew yet.',
    });
  }
  // Rent from the current horizon (which may lie in the past: the overrun is owed first), rounded up, plus 2 nanoGRAM:
  // the shard recounts what is left at the block's time, rounding down, which can lose up to one nanoGRAM of seconds.
  const rent = (BigInt(paidUntil - now) * rate + 65535n) / 65536n - rentLeft(record, now) + 2n;
  // pay_rent keeps fee(GAS_TOPUP) and turns the rest into rent; gas fees are linear in gas (flat part = flat limit × price).
  const fee = (options.registerFee * BigInt(RegistryConst.GAS_TOPUP) + BigInt(RegistryConst.GAS_REGISTER) - 1n) / BigInt(RegistryConst.GAS_REGISTER);
  return {value: rent + fee, rent, fee, paidUntil};
}

/** Rent still prepaid (negative: overrun), nanoGRAM, as the shard computes it (rounded toward −∞). */
function rentLeft(record: ProviderRecord, now: number): bigint {
  const n = BigInt(record.paidUntil! - now) * record.rentRate!;
  return n >= 0n ? n / 65536n : -((-n + 65535n) / 65536n);
}

/** The renewal sent, and the record afterwards. */
export interface Renewal {
  before: RentStatus;
  after: RentStatus;
  record: ProviderRecord;
  /** nanoGRAM sent (rent + fee). */
  paid: bigint;
}

/**
 * Prepay `seconds` more rent for the node key's record (default a year), from
 * the access's wallet (pay_rent: any wallet may pay; the record's owner is
 * checked here so a wallet does not pay for a stranger's record by mistake).
 */
export async function renewRent(access: RegistryAccess, options: {nodeKey: Uint8Array; model?: string; seconds?: number; now?: number}): Promise<Renewal> {
  const found = await ownedRecord(access, options.nodeKey, options.model);
  if (!found) throw new CocoonError('NOT_FOUND', 'This node has no registration in the registry.', {hint: 'Register it with `cocoon provide register` (--node NAME for a named node).'});
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const shard = access.client.ton.open(Registry.createFromAddress(found.shard));
  const registerFee = await access.client.call(() => shard.getRegisterFee());
  const quote = renewalQuote(found.record, {seconds: options.seconds ?? DEFAULT_RENEW_SECONDS, registerFee, now});
  const balance = await access.client.balance(access.sender.address);
  if (balance < quote.value + toNano('0.01')) {
    throw new CocoonError('INSUFFICIENT_FUNDS', `Renewing costs ${formatTon(quote.value)} GRAM plus the wallet's fee; the wallet holds ${formatTon(balance)} GRAM.`, {hint: 'Top the wallet up, or renew for fewer days (--days).'});
  }
  await shard.sendPayRent(access.sender, {value: quote.value, nodeKey: found.record.nodeKey});
  const record = (await access.client.call(() => shard.getProvider(found.record.nodeKey)))!;
  return {before: rentStatus(found.record, now)!, after: rentStatus(record, now)!, record, paid: quote.value};
}
