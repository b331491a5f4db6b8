import {createHash, createHmac, randomBytes} from 'node:crypto';
import {CocoonError} from '../errors.js';
import {decodeRequestHeader, encodeRequestHeader} from './header.js';
import {solvePow} from './pow.js';
import {AEAD_ABYTES, KDF_LABELS, PROTOCOL_VERSION, REQUEST_HEADER_BYTES, type RequestHeader} from './wire.js';
import {sodium} from '../crypto/sodium.js';
import {x25519, x25519Ephemeral} from '../crypto/x25519.js';

/** The two one-query keys: one per direction (docs/protocol.md §3.2). */
export interface SessionKeys {
  /** Encrypts the request (XChaCha20-Poly1305). */
  requestKey: Uint8Array;
  /** Keys the response secretstream. */
  responseKey: Uint8Array;
}

/**
 * HKDF-SHA256 with ikm = X25519 shared secret, salt = SHA-256(the 128 header
 * bytes), info = direction label. Salting with the whole header binds both keys
 * to this query's id, timestamp, both public keys and nonce, so a response
 * can't be spliced onto another request.
 */
export function deriveSessionKeys(shared: Uint8Array, header: Uint8Array): SessionKeys {
  const salt = createHash('sha256').update(header.subarray(0, REQUEST_HEADER_BYTES)).digest();
  // RFC 5869 by hand: one extract for both keys, and a 32-byte output is the first expand block,
  // T(1) = HMAC(PRK, info ‖ 0x01). Same bytes as hkdfSync, at a third of its cost.
  const prk = createHmac('sha256', salt).update(shared).digest();
  const key = (label: string) => new Uint8Array(createHmac('sha256', prk).update(label).update(ONE).digest());
  return {requestKey: key(KDF_LABELS.request), responseKey: key(KDF_LABELS.response)};
}

const ONE = Uint8Array.of(1);

/** Options of sealRequest. Randomness seams exist for golden vectors. */
export interface SealRequestOptions {
  /** The provider's X25519 public key (from its registry record). */
  recipientKey: Uint8Array;
  /** Request plaintext (encodeQueryRequest). */
  plaintext: Uint8Array;
  /** 16-byte query id; must match the plaintext's. */
  queryId: Uint8Array;
  /** Unix ms; must match the plaintext's. */
  timestamp: number;
  /** Proof-of-work difficulty in bits the provider asks for. Default: 0. */
  powDifficulty?: number;
  /** Ephemeral X25519 secret. Default: 32 fresh random bytes (only tests set it). */
  ephemeralSecret?: Uint8Array;
  /** AEAD nonce. Default: 24 fresh random bytes. */
  nonce?: Uint8Array;
}

/** A sealed request: the HTTP body, and what the consumer keeps to open the answer. */
export interface SealedRequest {
  body: Uint8Array;
  header: RequestHeader;
  keys: SessionKeys;
}

/** Seal a request to a provider: header ‖ XChaCha20-Poly1305(requestKey, nonce, ad = header, plaintext). */
export async function sealRequest(o: SealRequestOptions): Promise<SealedRequest> {
  const na = await sodium();
  const eph = x25519Ephemeral(o.ephemeralSecret);
  const header: RequestHeader = {
    version: PROTOCOL_VERSION,
    flags: 0,
    timestamp: o.timestamp,
    queryId: o.queryId,
    recipientKey: o.recipientKey,
    ephemeralKey: eph.publicKey,
    nonce: o.nonce ?? randomBytes(24),
    powNonce: 0n,
  };
  const headerBytes = encodeRequestHeader(header);
  header.powNonce = solvePow(headerBytes, o.powDifficulty ?? 0);
  const shared = eph.agree(o.recipientKey);
  const keys = deriveSessionKeys(shared, headerBytes);
  shared.fill(0);
  const ciphertext = na.crypto_aead_xchacha20poly1305_ietf_encrypt(o.plaintext, headerBytes, null, header.nonce, keys.requestKey);
  const body = new Uint8Array(REQUEST_HEADER_BYTES + ciphertext.length);
  body.set(headerBytes, 0);
  body.set(ciphertext, REQUEST_HEADER_BYTES);
  return {body, header, keys};
}

/** An opened request: its plaintext and the key for the response stream. */
export interface OpenedRequest {
  header: RequestHeader;
  plaintext: Uint8Array;
  keys: SessionKeys;
}

/**
 * Open a request body with the provider's X25519 secret. Any tampering with
 * the header or ciphertext, or a request sealed to another key, fails the AEAD
 * and throws PROTOCOL_ERROR (one message for all, so failures leak nothing).
 */
export async function openRequest(body: Uint8Array, recipientSecret: Uint8Array): Promise<OpenedRequest> {
  const header = decodeRequestHeader(body);
  if (body.length < REQUEST_HEADER_BYTES + AEAD_ABYTES) throw new CocoonError('PROTOCOL_ERROR', 'Request ciphertext too short.');
  const na = await sodium();
  const headerBytes = body.subarray(0, REQUEST_HEADER_BYTES);
  const shared = await x25519(recipientSecret, header.ephemeralKey);
  const keys = deriveSessionKeys(shared, headerBytes);
  shared.fill(0);
  try {
    const plaintext = na.crypto_aead_xchacha20poly1305_ietf_decrypt(null, body.subarray(REQUEST_HEADER_BYTES), headerBytes, header.nonce, keys.requestKey);
    return {header, plaintext, keys};
  } catch (err) {
    throw new CocoonError('PROTOCOL_ERROR', 'Request does not decrypt.', {cause: err});
  }
}
