import {randomBytes} from 'node:crypto';
import {CocoonError} from '../errors.js';
import {sodium} from './sodium.js';

/** An X25519 key pair (raw 32-byte keys). */
export interface X25519KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** X25519 key pair from a 32-byte secret (default: fresh node:crypto random bytes). */
export async function x25519KeyPair(secretKey: Uint8Array = randomBytes(32)): Promise<X25519KeyPair> {
  if (secretKey.length !== 32) throw new TypeError('X25519 secret key must be 32 bytes');
  const na = await sodium();
  return {publicKey: na.crypto_scalarmult_base(secretKey), secretKey};
}

/**
 * X25519(secret, peer). libsodium refuses (throws) when the result is all
 * zeros, i.e. the peer key is a low-order point that would make the shared
 * secret predictable; that becomes PROTOCOL_ERROR.
 */
export async function x25519(secretKey: Uint8Array, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  if (peerPublicKey.length !== 32) throw new CocoonError('PROTOCOL_ERROR', 'X25519 public key must be 32 bytes.');
  const na = await sodium();
  try {
    return na.crypto_scalarmult(secretKey, peerPublicKey);
  } catch (err) {
    throw new CocoonError('PROTOCOL_ERROR', 'X25519 key is a low-order point.', {cause: err});
  }
}
