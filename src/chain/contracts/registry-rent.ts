// Where a registry record's prepaid rent stands (registry v2: records pay their
// own storage). A registration prepays a year; once that runs out, anyone may
// evict the record a grace period later (its owner gets the stake less the rent
// it overran), and consumers stop choosing it.
import {RegistryConst} from './constants.js';
import type {ProviderRecord} from './registry-codec.js';

/** How early a record counts as due for renewal: 30 days before its rent runs out. */
export const RENEW_WITHIN_SECONDS = 30 * 86_400;

/**
 * - `paid`: more than RENEW_WITHIN_SECONDS of rent left;
 * - `due`: less than that: renew now;
 * - `overdue`: ran out, within the grace period (still listed; evictable when it ends);
 * - `evictable`: ran out more than the grace period ago: anyone may evict it and consumers skip it.
 */
export type RentState = 'paid' | 'due' | 'overdue' | 'evictable';

/** Where a record's rent stands at `now`. */
export interface RentStatus {
  state: RentState;
  /** Unix seconds the rent is prepaid to. */
  paidUntil: number;
  /** Seconds of rent left (negative once it ran out). */
  secondsLeft: number;
  /** Unix seconds from which anyone may evict the record. */
  evictableAt: number;
}

/** The rent status of a record (undefined for a record without a rent horizon: v1 data). */
export function rentStatus(record: Pick<ProviderRecord, 'paidUntil'>, now = Math.floor(Date.now() / 1000)): RentStatus | undefined {
  if (!record.paidUntil) return undefined;
  const secondsLeft = record.paidUntil - now;
  const evictableAt = record.paidUntil + RegistryConst.GRACE_PERIOD;
  const state: RentState = now >= evictableAt ? 'evictable' : secondsLeft <= 0 ? 'overdue' : secondsLeft <= RENEW_WITHIN_SECONDS ? 'due' : 'paid';
  return {state, paidUntil: record.paidUntil, secondsLeft, evictableAt};
}

/** True once anyone may evict the record: consumers no longer choose it. */
export function isEvictable(record: Pick<ProviderRecord, 'paidUntil'>, now = Math.floor(Date.now() / 1000)): boolean {
  return rentStatus(record, now)?.state === 'evictable';
}
