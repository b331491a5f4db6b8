import {createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject} from 'node:crypto';

// node:crypto signs ~100× faster than tweetnacl (@ton/crypto) and gives identical
// signatures for the same seed. DER prefixes wrap raw 32-byte keys.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Keyed by the seed's bytes (a caller may pass a fresh Buffer of the same key each time), bounded.
const privateCache = new Map<string, KeyObject>();

// A caller that signs with the same buffer each time (a node's seed) skips the hash: its key is
// found by the buffer itself, and taken only while the buffer still holds the bytes it was made from.
const byBuffer = new WeakMap<Uint8Array, {seed: Buffer; key: KeyObject}>();

function privateKey(secret: Uint8Array): KeyObject {
  // Accept a 32-byte seed or TON's 64-byte secret key (seed ‖ public key).
  const seed = secret.length === 64 ? secret.subarray(0, 32) : secret;
  if (seed.length !== 32) throw new TypeError('Ed25519 secret must be a 32-byte seed or a 64-byte secret key');
  const known = byBuffer.get(secret);
  if (known && known.seed.equals(seed)) return known.key;
  const id = createHash('sha256').update(seed).digest('hex'); // not the seed itself: no copy of the secret as a string
  let key = privateCache.get(id);
  if (!key) {
    key = createPrivateKey({key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8'});
    if (privateCache.size >= 1024) privateCache.delete(privateCache.keys().next().value!);
    privateCache.set(id, key);
  }
  byBuffer.set(secret, {seed: Buffer.from(seed), key});
  return key;
}

/** Ed25519 signature (64 bytes) of `message`. */
export function signEd25519(secret: Uint8Array, message: Uint8Array): Buffer {
  return sign(null, message, privateKey(secret));
}

// Building a KeyObject costs about as much as a verification; providers and
// consumers verify with a handful of keys, so keep them (bounded).
const publicCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const id = Buffer.from(publicKey).toString('hex');
  let key = publicCache.get(id);
  if (!key) {
    key = createPublicKey({key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki'});
    if (publicCache.size >= 1024) publicCache.delete(publicCache.keys().next().value!);
    publicCache.set(id, key);
  }
  return key;
}

/** True if `signature` is `publicKey`'s Ed25519 signature of `message`. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  return verify(null, message, publicKeyObject(publicKey), signature);
}

/** The 32-byte public key of an Ed25519 seed or 64-byte secret key. */
export function ed25519PublicKey(secret: Uint8Array): Buffer {
  const der = createPublicKey(privateKey(secret)).export({format: 'der', type: 'spki'});
  return Buffer.from(der.subarray(SPKI_PREFIX.length));
}
