// Cell layouts of the payment channel (contracts/channel.tolk), with their TL-B.
import {beginCell, type Address, type Cell, type Slice} from '@ton/core';
import {signEd25519, verifyEd25519} from '../../crypto/ed25519.js';
import {CocoonError} from '../../errors.js';
import {ChannelConst} from './constants.js';

/** The init data that, with the code, fixes a channel's address. */
export interface ChannelConfig {
  /** Consumer wallet: the only one that opens, tops up and starts a close; gets the refund. */
  consumer: Address;
  /** Provider wallet: the only one that claims; gets the payouts. */
  provider: Address;
  /** Consumer's Ed25519 voucher key (32 bytes), separate from its wallet key. */
  consumerKey: Buffer;
  /** Seconds the provider keeps to claim after the consumer starts a close. */
  closeDelay: number;
}

/** Channel lifecycle: new → open → closing → closed (→ open again on re-open). */
export type ChannelStateName = 'new' | 'open' | 'closing' | 'closed';

/** Full on-chain state of a channel. */
export interface ChannelState extends ChannelConfig {
  state: ChannelStateName;
  /** Cumulative deposits credited (set to `paid` at close). */
  deposited: bigint;
  /** Cumulative paid to the provider: vouchers must exceed it. */
  paid: bigint;
  /** End of the provider's claim window while closing (unix seconds; 0 otherwise). */
  unlockAt: number;
}

/** Default close delay: one hour gives a provider that settles on a timer time to claim. */
export const DEFAULT_CLOSE_DELAY = 3600;

const STATES: ChannelStateName[] = ['new', 'open', 'closing', 'closed'];

/** The code number of a state name. */
export function channelStateCode(state: ChannelStateName): number {
  return STATES.indexOf(state);
}

/** The name of a state code. */
export function channelStateName(code: number): ChannelStateName {
  const name = STATES[code];
  if (!name) throw new CocoonError('CORRUPT_DATA', `unknown channel state ${code}`);
  return name;
}

/**
 * channel$_ consumer:MsgAddressInt provider:MsgAddressInt consumer_key:bits256
 *   close_delay:uint32 state:uint8 deposited:Coins paid:Coins unlock_at:uint32 = ChannelStorage;
 * A fresh channel starts in state 0 (new) with zero amounts.
 */
export function channelConfigToCell(config: ChannelConfig): Cell {
  if (config.consumerKey.length !== 32) throw new CocoonError('INVALID_INPUT', 'consumerKey must be 32 bytes');
  return beginCell()
    .storeAddress(config.consumer)
    .storeAddress(config.provider)
    .storeBuffer(config.consumerKey)
    .storeUint(config.closeDelay, 32)
    .storeUint(ChannelConst.STATE_NEW, 8)
    .storeCoins(0n)
    .storeCoins(0n)
    .storeUint(0, 32)
    .endCell();
}

/** Inverse of channelConfigToCell for any state (parses the account data). */
export function loadChannelState(s: Slice): ChannelState {
  return {
    consumer: s.loadAddress(),
    provider: s.loadAddress(),
    consumerKey: s.loadBuffer(32),
    closeDelay: s.loadUint(32),
    state: channelStateName(s.loadUint(8)),
    deposited: s.loadCoins(),
    paid: s.loadCoins(),
    unlockAt: s.loadUint(32),
  };
}

/** A consumer's consent to close `channel` at once, paying the provider `amount` in total. */
export interface CloseAgreement {
  channel: Address;
  amount: bigint;
}

/**
 * close#636c6f73 channel:MsgAddressInt amount:Coins = CloseAgreement;
 * Its own tag, so a close signature can never be replayed as a voucher or back.
 */
export function closeAgreementCell(agreement: CloseAgreement): Cell {
  return beginCell().storeUint(ChannelConst.CLOSE_TAG, 32).storeAddress(agreement.channel).storeCoins(agreement.amount).endCell();
}

/** The consumer's signature for a cooperative close (its voucher key, 32- or 64-byte secret). */
export function signCloseAgreement(agreement: CloseAgreement, secretKey: Uint8Array): Buffer {
  return signEd25519(secretKey, closeAgreementCell(agreement).hash());
}

/** True if `signature` is `publicKey`'s signature of `agreement`. */
export function verifyCloseAgreement(agreement: CloseAgreement, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyEd25519(publicKey, closeAgreementCell(agreement).hash(), signature);
}
