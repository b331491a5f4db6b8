import {createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject} from 'node:crypto';
import {CocoonError} from '../errors.js';

/*
 * X25519 through node:crypto (OpenSSL): ~80 µs per key agreement here against
 * ~150 µs in libsodium's WASM, and the same results (RFC 7748: both clamp the
 * scalar and mask the peer key's top bit; both refuse an all-zero shared
 * secret). Raw keys travel as JWK base64url, which OpenSSL imports ~10× faster
 * than DER; a private key's JWK `x` is ignored on import (OpenSSL derives the
 * public key from `d`), so a raw secret alone makes a key.
 */

/** An X25519 key pair (raw 32-byte keys). */
export interface X25519KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== 32) throw new TypeError('X25519 secret key must be 32 bytes');
  const d = b64(secretKey);
  return createPrivateKey({key: {kty: 'OKP', crv: 'X25519', d, x: d}, format: 'jwk'});
}

function rawPublic(key: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(key.export({format: 'jwk'}).x!, 'base64url'));
}

// The node's own key agrees once per request: keep its KeyObject (bounded; keyed by a hash, not the secret).
const privateCache = new Map<string, KeyObject>();

// The node's key arrives as the same buffer on every request: found by the buffer (while it holds the same bytes), no hash.
const byBuffer = new WeakMap<Uint8Array, {secret: Buffer; key: KeyObject}>();

function cachedPrivate(secretKey: Uint8Array): KeyObject {
  const known = byBuffer.get(secretKey);
  if (known && known.secret.equals(secretKey)) return known.key;
  const key = hashedPrivate(secretKey);
  byBuffer.set(secretKey, {secret: Buffer.from(secretKey), key});
  return key;
}

function hashedPrivate(secretKey: Uint8Array): KeyObject {
  const id = createHash('sha256').update(secretKey).digest('hex');
  let key = privateCache.get(id);
  if (!key) {
    key = privateKeyObject(secretKey);
    if (privateCache.size >= 64) privateCache.delete(privateCache.keys().next().value!);
    privateCache.set(id, key);
  }
  return key;
}

function agree(privateKey: KeyObject, peerPublicKey: Uint8Array): Uint8Array {
  if (peerPublicKey.length !== 32) throw new CocoonError('PROTOCOL_ERROR', 'X25519 public key must be 32 bytes.');
  try {
    const publicKey = createPublicKey({key: {kty: 'OKP', crv: 'X25519', x: b64(peerPublicKey)}, format: 'jwk'});
    return new Uint8Array(diffieHellman({privateKey, publicKey}));
  } catch (err) {
    // OpenSSL fails the derivation when the result is all zeros: the peer key is a low-order point.
    throw new CocoonError('PROTOCOL_ERROR', 'X25519 key is a low-order point.', {cause: err});
  }
}

/** X25519 key pair from a 32-byte secret (default: fresh node:crypto random bytes). */
export async function x25519KeyPair(secretKey: Uint8Array = randomBytes(32)): Promise<X25519KeyPair> {
  return {publicKey: rawPublic(privateKeyObject(secretKey)), secretKey};
}

/**
 * X25519(secret, peer). A low-order peer key (one that would make the shared
 * secret predictable) is refused as PROTOCOL_ERROR. The secret's key object is
 * cached: meant for long-lived keys (a node's); one-shot keys use x25519Ephemeral.
 */
export async function x25519(secretKey: Uint8Array, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  return agree(cachedPrivate(secretKey), peerPublicKey);
}

/** A one-query key pair whose secret never leaves OpenSSL: its public key, and one agreement with a peer. */
export interface X25519Ephemeral {
  publicKey: Uint8Array;
  agree(peerPublicKey: Uint8Array): Uint8Array;
}

/** A fresh ephemeral key pair, or one from a given secret (golden vectors). */
export function x25519Ephemeral(secretKey?: Uint8Array): X25519Ephemeral {
  const privateKey = secretKey ? privateKeyObject(secretKey) : generateKeyPairSync('x25519').privateKey;
  return {publicKey: rawPublic(privateKey), agree: (peer) => agree(privateKey, peer)};
}
