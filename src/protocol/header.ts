import {malformed} from './errors.js';
import {PROTOCOL_VERSION, REQUEST_HEADER_BYTES, REQUEST_MAGIC, type RequestHeader} from './wire.js';

/*
 * Request header, 128 bytes, all integers big-endian (docs/protocol.md §3):
 *   0  magic "COCQ"          4
 *   4  version u8 = 3        1
 *   5  flags u8 = 0          1
 *   6  reserved u16 = 0      2
 *   8  timestamp u64 (ms)    8
 *  16  query id             16
 *  32  recipient X25519 key 32
 *  64  ephemeral X25519 key 32
 *  96  AEAD nonce           24
 * 120  PoW nonce u64         8
 */

/** Encode a request header to its 128 bytes. */
export function encodeRequestHeader(h: RequestHeader): Uint8Array {
  if (h.queryId.length !== 16 || h.recipientKey.length !== 32 || h.ephemeralKey.length !== 32 || h.nonce.length !== 24) {
    throw new TypeError('request header field has the wrong length');
  }
  const out = new Uint8Array(REQUEST_HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(REQUEST_MAGIC, 0);
  out[4] = h.version;
  out[5] = h.flags;
  view.setBigUint64(8, BigInt(h.timestamp));
  out.set(h.queryId, 16);
  out.set(h.recipientKey, 32);
  out.set(h.ephemeralKey, 64);
  out.set(h.nonce, 96);
  view.setBigUint64(120, h.powNonce);
  return out;
}

/** A request of another protocol version: say which one this side speaks and what to do. */
export function versionRefusal(version: number): Error {
  const what = version < PROTOCOL_VERSION ? 'Update cocoon (npm install -g cocoon-cli@latest).' : 'This provider runs an older cocoon; use another provider or ask its operator to update.';
  return malformed(`request header (protocol version ${version}; this provider speaks version ${PROTOCOL_VERSION}. ${what})`);
}

/** Decode and check the first 128 bytes of a request body; PROTOCOL_ERROR on anything unexpected. */
export function decodeRequestHeader(body: Uint8Array): RequestHeader {
  if (body.length < REQUEST_HEADER_BYTES) throw malformed('request header (too short)');
  for (let i = 0; i < 4; i++) if (body[i] !== REQUEST_MAGIC[i]) throw malformed('request header (bad magic)');
  if (body[4] !== PROTOCOL_VERSION) throw versionRefusal(body[4]!);
  if (body[5] !== 0 || body[6] !== 0 || body[7] !== 0) throw malformed('request header (reserved bits set)');
  const view = new DataView(body.buffer, body.byteOffset, REQUEST_HEADER_BYTES);
  const timestamp = view.getBigUint64(8);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('request header (timestamp)');
  return {
    version: body[4]!,
    flags: body[5]!,
    timestamp: Number(timestamp),
    queryId: body.slice(16, 32),
    recipientKey: body.slice(32, 64),
    ephemeralKey: body.slice(64, 96),
    nonce: body.slice(96, 120),
    powNonce: view.getBigUint64(120),
  };
}
