import {createHash} from 'node:crypto';
import {Address, beginCell, type Cell} from '@ton/core';
import {signEd25519, verifyEd25519} from '../../crypto/ed25519.js';
import {MAINNET_GLOBAL_ID} from './network-id.js';

/**
 * Tag that starts every voucher cell, so a voucher signature can never be
 * mistaken for a signature over any other message ("vchr").
 */
export const VOUCHER_TAG = 0x76636872;

/** A consumer's promise: the channel at `channel` owes the provider `amount` nanoGRAM in total, in life `epoch`. */
export interface Voucher {
  /** Address of the payment channel contract the voucher is bound to. */
  channel: Address;
  /** Cumulative amount in nanoGRAM within this life of the channel (monotonic across vouchers). */
  amount: bigint;
  /** The channel's life counter (`ChannelState.epoch`): 1 after the first open, +1 per re-open. Default 1. */
  epoch?: number;
  /** Network global id (config param 19) the channel lives on. Default mainnet's, which the sandbox and devnet share. */
  globalId?: number;
}

/**
 * voucher#76636872 channel:MsgAddressInt global_id:int32 epoch:uint16 amount:Coins = Voucher;
 * The consumer signs the representation hash of this cell with Ed25519; the
 * channel contract rebuilds the same cell from its own state and checks it, so a
 * voucher of another channel, network or life is dead.
 */
export function voucherCell(voucher: Voucher): Cell {
  return signedAmountCell(VOUCHER_TAG, voucher);
}

/** The cell shape vouchers and close agreements share; only the tag differs. */
export function signedAmountCell(tag: number, v: Voucher): Cell {
  return beginCell()
    .storeUint(tag, 32)
    .storeAddress(v.channel)
    .storeInt(v.globalId ?? MAINNET_GLOBAL_ID, 32)
    .storeUint(v.epoch ?? 1, 16)
    .storeCoins(v.amount)
    .endCell();
}

/**
 * The representation hash of signedAmountCell(tag, v), computed straight from
 * its bits: SHA-256 of the cell's two descriptor bytes (no refs, level 0; the
 * data length) and its data, padded with a completion tag. The same 32 bytes
 * as `signedAmountCell(tag, v).hash()` (a test compares them), at a fraction of
 * the cost: every answer signs one voucher and the provider checks it.
 */
export function signedAmountHash(tag: number, v: Voucher): Buffer {
  if (v.amount < 0n || v.amount >= 1n << 120n) throw new RangeError('a Coins amount is below 2^120');
  const amountBytes = v.amount === 0n ? 0 : Math.ceil(v.amount.toString(16).length / 2);
  let bits = 0;
  let acc = 0n;
  const put = (value: bigint, width: number) => {
    acc = (acc << BigInt(width)) | value;
    bits += width;
  };
  put(BigInt(tag >>> 0), 32);
  put(0b100n, 3); // addr_std$10, no anycast
  put(BigInt.asUintN(8, BigInt(v.channel.workChain)), 8);
  put(BigInt(`0x${v.channel.hash.toString('hex')}`), 256);
  put(BigInt.asUintN(32, BigInt(v.globalId ?? MAINNET_GLOBAL_ID)), 32);
  put(BigInt(v.epoch ?? 1), 16);
  put(BigInt(amountBytes), 4);
  put(v.amount, 8 * amountBytes);
  const whole = bits >> 3;
  const rest = bits & 7;
  if (rest) acc = ((acc << 1n) | 1n) << BigInt(7 - rest);
  const length = whole + (rest ? 1 : 0);
  const data = Buffer.from(acc.toString(16).padStart(length * 2, '0'), 'hex');
  return createHash('sha256').update(Buffer.from([0, whole + length])).update(data).digest();
}

/** The 32 bytes a voucher signature covers. */
export function voucherHash(voucher: Voucher): Buffer {
  return signedAmountHash(VOUCHER_TAG, voucher);
}

/** Sign a voucher with the consumer's Ed25519 key (32-byte seed or 64-byte secret key). */
export function signVoucher(voucher: Voucher, secretKey: Uint8Array): Buffer {
  return signEd25519(secretKey, voucherHash(voucher));
}

/** True if `signature` is a valid voucher signature by `publicKey`. */
export function verifyVoucher(voucher: Voucher, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyEd25519(publicKey, voucherHash(voucher), signature);
}
