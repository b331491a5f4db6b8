import {createHash} from 'node:crypto';
import {REQUEST_HEADER_BYTES} from './wire.js';

/*
 * Hashcash over the request header: SHA-256 of the 128 header bytes (PoW nonce
 * at offset 120 included) must start with `difficulty` zero bits. The header
 * holds a fresh query id and timestamp, so a solution can't be reused: replaying
 * it is a replay. Checking costs one hash, before any X25519 or AEAD work.
 */

/** Number of leading zero bits of SHA-256(header). */
export function powLeadingZeros(header: Uint8Array): number {
  const digest = createHash('sha256').update(header.subarray(0, REQUEST_HEADER_BYTES)).digest();
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** True if `header` meets `difficulty` (0 = always). */
export function checkPow(header: Uint8Array, difficulty: number): boolean {
  return difficulty <= 0 || powLeadingZeros(header) >= difficulty;
}

/**
 * Find a PoW nonce for `header` in place (bytes 120..128) and return it.
 * Expected work: 2^difficulty hashes (~1 µs each). Throws after `maxTries`.
 */
export function solvePow(header: Uint8Array, difficulty: number, maxTries = 2 ** 32): bigint {
  const view = new DataView(header.buffer, header.byteOffset, REQUEST_HEADER_BYTES);
  if (difficulty <= 0) return view.getBigUint64(120);
  for (let n = 0n; n < BigInt(maxTries); n++) {
    view.setBigUint64(120, n);
    if (powLeadingZeros(header) >= difficulty) return n;
  }
  throw new RangeError(`no proof of work found in ${maxTries} tries`);
}
