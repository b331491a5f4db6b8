// Cell layouts of the payment channel (contracts/channel.tolk), with their TL-B.
import {beginCell, type Address, type Cell, type Slice} from '@ton/core';
import {signEd25519, verifyEd25519} from '../../crypto/ed25519.js';
import {CocoonError} from '../../errors.js';
import {ChannelConst} from './constants.js';
import {MAINNET_GLOBAL_ID} from './network-id.js';
import {signedAmountCell, signedAmountHash} from './voucher.js';

/** The init data that, with the code, fixes a channel's address. */
export interface ChannelConfig {
  /** Consumer wallet: the only one that opens, tops up and starts a close; gets the refund. */
  consumer: Address;
  /** Provider wallet: the only one that claims; gets the payouts. */
  provider: Address;
  /** Consumer's Ed25519 voucher key (32 bytes), separate from its wallet key. */
  consumerKey: Buffer;
  /** Seconds the provider keeps to claim after the consumer starts a close: 1 .. 30 days. */
  closeDelay: number;
  /** Network global id (config param 19); part of the address. Default mainnet's (-239), which the sandbox and devnet share. */
  globalId?: number;
}

/** Channel lifecycle: new → open → closing → closed (→ open again on re-open). */
export type ChannelStateName = 'new' | 'open' | 'closing' | 'closed';

/** Full on-chain state of a channel. */
export interface ChannelState extends ChannelConfig {
  globalId: number;
  state: ChannelStateName;
  /** Life counter: 0 before the first open, +1 at every (re)open; vouchers must carry it. */
  epoch: number;
  /** Deposits credited to this life, less rent the reserve could not cover (set to `paid` at close). */
  deposited: bigint;
  /** Paid to the provider in this life: a voucher pays min(amount, deposited) − paid. */
  paid: bigint;
  /** End of the provider's claim window while closing (unix seconds; 0 otherwise). */
  unlockAt: number;
}

/** Default close delay: one hour gives a provider that settles on a timer time to claim. */
export const DEFAULT_CLOSE_DELAY = 3600;

/** Longest close delay a channel accepts (30 days): the contract refuses to open with more. */
export const MAX_CLOSE_DELAY = ChannelConst.MAX_CLOSE_DELAY;

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
 *   close_delay:uint24 global_id:int32 state:uint2 epoch:uint16
 *   deposited:Coins paid:Coins unlock_at:uint32 = ChannelStorage;
 * A fresh channel starts in state 0 (new), epoch 0, with zero amounts. The
 * contract refuses to open a channel whose close delay is outside 1 s .. 30 days;
 * this codec refuses to build one, so a CLI typo fails before any deposit.
 */
export function channelConfigToCell(config: ChannelConfig): Cell {
  if (config.consumerKey.length !== 32) throw new CocoonError('INVALID_INPUT', 'consumerKey must be 32 bytes');
  if (!Number.isInteger(config.closeDelay) || config.closeDelay < 1 || config.closeDelay > MAX_CLOSE_DELAY) {
    throw new CocoonError('INVALID_INPUT', `closeDelay must be 1 .. ${MAX_CLOSE_DELAY} seconds (30 days), got ${config.closeDelay}`);
  }
  return channelStorageCell(config);
}

/** The storage cell with no validation: tests use it to build channels the contract must refuse. */
export function channelStorageCell(config: ChannelConfig): Cell {
  return beginCell()
    .storeAddress(config.consumer)
    .storeAddress(config.provider)
    .storeBuffer(config.consumerKey)
    .storeUint(config.closeDelay, 24)
    .storeInt(config.globalId ?? MAINNET_GLOBAL_ID, 32)
    .storeUint(ChannelConst.STATE_NEW, 2)
    .storeUint(0, 16)
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
    closeDelay: s.loadUint(24),
    globalId: s.loadInt(32),
    state: channelStateName(s.loadUint(2)),
    epoch: s.loadUint(16),
    deposited: s.loadCoins(),
    paid: s.loadCoins(),
    unlockAt: s.loadUint(32),
  };
}

/** A consumer's consent to close `channel` at once, paying the provider `amount` in total in life `epoch`. */
export interface CloseAgreement {
  channel: Address;
  amount: bigint;
  /** The channel's life counter; default 1. */
  epoch?: number;
  /** Network global id; default mainnet's. */
  globalId?: number;
}

/**
 * close#636c6f73 channel:MsgAddressInt global_id:int32 epoch:uint16 amount:Coins = CloseAgreement;
 * Its own tag, so a close signature can never be replayed as a voucher or back.
 */
export function closeAgreementCell(agreement: CloseAgreement): Cell {
  return signedAmountCell(ChannelConst.CLOSE_TAG, agreement);
}

/** The consumer's signature for a cooperative close (its voucher key, 32- or 64-byte secret). */
export function signCloseAgreement(agreement: CloseAgreement, secretKey: Uint8Array): Buffer {
  return signEd25519(secretKey, signedAmountHash(ChannelConst.CLOSE_TAG, agreement));
}

/** True if `signature` is `publicKey`'s signature of `agreement`. */
export function verifyCloseAgreement(agreement: CloseAgreement, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyEd25519(publicKey, signedAmountHash(ChannelConst.CLOSE_TAG, agreement), signature);
}
