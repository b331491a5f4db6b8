import {Address, beginCell, type Cell} from '@ton/core';
import {signEd25519, verifyEd25519} from '../../crypto/ed25519.js';

/**
 * Tag that starts every voucher cell, so a voucher signature can never be
 * mistaken for a signature over any other message ("vchr").
 */
export const VOUCHER_TAG = 0x76636872;

/** A consumer's promise: the channel at `channel` owes the provider `amount` nanoTON in total. */
export interface Voucher {
  /** Address of the payment channel contract the voucher is bound to. */
  channel: Address;
  /** Cumulative amount in nanoTON (monotonic across vouchers). */
  amount: bigint;
}

/**
 * voucher#76636872 channel:MsgAddressInt amount:Coins = Voucher;
 * The consumer signs the representation hash of this cell with Ed25519; the
 * channel contract rebuilds the same cell from its own address and checks it.
 */
export function voucherCell(voucher: Voucher): Cell {
  return beginCell().storeUint(VOUCHER_TAG, 32).storeAddress(voucher.channel).storeCoins(voucher.amount).endCell();
}

/** The 32 bytes a voucher signature covers. */
export function voucherHash(voucher: Voucher): Buffer {
  return voucherCell(voucher).hash();
}

/** Sign a voucher with the consumer's Ed25519 key (32-byte seed or 64-byte secret key). */
export function signVoucher(voucher: Voucher, secretKey: Uint8Array): Buffer {
  return signEd25519(secretKey, voucherHash(voucher));
}

/** True if `signature` is a valid voucher signature by `publicKey`. */
export function verifyVoucher(voucher: Voucher, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyEd25519(publicKey, voucherHash(voucher), signature);
}
