import type {FinishReason} from './messages.js';
import {malformed} from './errors.js';
import {decodeReceipt, encodeTokenIds} from './receipt.js';
import {ErrorFrameSchema} from './schemas.js';
import {
  FINISH_CODES,
  FRAME_LENGTH_BYTES,
  FRAME_TYPE,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  RECEIPT_BYTES,
  RESPONSE_MAGIC,
  RESPONSE_PREAMBLE_BYTES,
  SECRETSTREAM_ABYTES,
  type OutstandingReceipt,
  type ResponseFrame,
  type SignedReceipt,
  type WireErrorCode,
} from './wire.js';

/*
 * Response body (docs/protocol.md §5):
 *   preamble: "COCR" | version u8 | 3 zero bytes | secretstream header (24)
 *   frames:   u32 BE ciphertext length | secretstream ciphertext
 * Frame plaintexts: 0x01 | UTF-8 text
 *                   0x02 | finish u8 | receipt (298) | Ed25519 signature (64) | output token ids (u32 BE each)
 *                   0x03 | UTF-8 JSON {code, message, outstanding?}
 *                   0x04 | one embedding: float32 BE × dimensions (an embedding answer, one frame per input, in order)
 * Text and vector frames carry TAG_MESSAGE; the final or error frame carries TAG_FINAL and ends the stream.
 */

const FINAL_FIXED_BYTES = 2 + RECEIPT_BYTES + 64;
const utf8 = new TextDecoder('utf-8', {fatal: true});

/** The 32-byte response preamble around a secretstream header. */
export function encodeResponsePreamble(streamHeader: Uint8Array): Uint8Array {
  if (streamHeader.length !== 24) throw new TypeError('secretstream header must be 24 bytes');
  const out = new Uint8Array(RESPONSE_PREAMBLE_BYTES);
  out.set(RESPONSE_MAGIC, 0);
  out[4] = PROTOCOL_VERSION;
  out.set(streamHeader, 8);
  return out;
}

/** Check a preamble and return its secretstream header. */
export function decodeResponsePreamble(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== RESPONSE_PREAMBLE_BYTES) throw malformed('response preamble (length)');
  for (let i = 0; i < 4; i++) if (bytes[i] !== RESPONSE_MAGIC[i]) throw malformed('response preamble (bad magic)');
  if (bytes[4] !== PROTOCOL_VERSION || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw malformed('response preamble (version or reserved bytes)');
  }
  return bytes.slice(8, 32);
}

/** Plaintext of a text frame. */
export function encodeTextPayload(text: string): Uint8Array {
  const body = Buffer.from(text, 'utf8');
  const out = new Uint8Array(1 + body.length);
  out[0] = FRAME_TYPE.text;
  out.set(body, 1);
  return out;
}

/** Plaintext of a vector frame: one embedding, float32 big-endian (docs/protocol.md §5). */
export function encodeVectorPayload(vector: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(1 + 4 * vector.length);
  out[0] = FRAME_TYPE.vector;
  const view = new DataView(out.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(1 + 4 * i, vector[i]!);
  return out;
}

/** Plaintext of the final frame: the signed receipt and the output token ids it hashes. */
export function encodeFinalPayload(finishReason: FinishReason, signed: SignedReceipt, tokenIds: readonly number[]): Uint8Array {
  const ids = encodeTokenIds(tokenIds);
  const out = new Uint8Array(FINAL_FIXED_BYTES + ids.length);
  out[0] = FRAME_TYPE.final;
  out[1] = FINISH_CODES[finishReason];
  out.set(signed.bytes, 2);
  out.set(signed.signature, 2 + RECEIPT_BYTES);
  out.set(ids, FINAL_FIXED_BYTES);
  return out;
}

/** Plaintext of an error frame. */
export function encodeErrorPayload(code: WireErrorCode, message: string, outstanding?: OutstandingReceipt[]): Uint8Array {
  const json = {code, message, ...(outstanding ? {outstanding} : {})};
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  const out = new Uint8Array(1 + body.length);
  out[0] = FRAME_TYPE.error;
  out.set(body, 1);
  return out;
}

/** Decode a decrypted frame plaintext. Signatures are checked by the caller, who knows the key. */
export function decodeFramePayload(payload: Uint8Array): ResponseFrame {
  const type = payload[0];
  if (type === FRAME_TYPE.text) {
    try {
      return {type: 'text', text: utf8.decode(payload.subarray(1))};
    } catch (err) {
      throw malformed('text frame (not UTF-8)', err);
    }
  }
  if (type === FRAME_TYPE.vector) {
    if (payload.length < 5 || (payload.length - 1) % 4 !== 0) throw malformed('vector frame (length)');
    const view = new DataView(payload.buffer, payload.byteOffset + 1, payload.length - 1);
    const vector = new Float32Array(view.byteLength / 4);
    for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(4 * i);
    if (!vector.every(Number.isFinite)) throw malformed('vector frame (a value is not finite)');
    return {type: 'vector', vector, bytes: payload.slice(1)};
  }
  if (type === FRAME_TYPE.final) {
    if (payload.length < FINAL_FIXED_BYTES || (payload.length - FINAL_FIXED_BYTES) % 4 !== 0) throw malformed('final frame (length)');
    const finish = (Object.keys(FINISH_CODES) as FinishReason[]).find((k) => FINISH_CODES[k] === payload[1]);
    if (!finish) throw malformed('final frame (finish reason)');
    const bytes = payload.slice(2, 2 + RECEIPT_BYTES);
    const ids = new DataView(payload.buffer, payload.byteOffset + FINAL_FIXED_BYTES, payload.length - FINAL_FIXED_BYTES);
    const tokenIds = Array.from({length: ids.byteLength / 4}, (_, i) => ids.getUint32(4 * i));
    return {type: 'final', finishReason: finish, signed: {receipt: decodeReceipt(bytes), bytes, signature: payload.slice(2 + RECEIPT_BYTES, FINAL_FIXED_BYTES)}, tokenIds};
  }
  if (type === FRAME_TYPE.error) {
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(payload.subarray(1)));
    } catch (err) {
      throw malformed('error frame (not UTF-8 JSON)', err);
    }
    const parsed = ErrorFrameSchema.safeParse(json);
    if (!parsed.success) throw malformed('error frame (schema)');
    return {type: 'error', ...parsed.data};
  }
  throw malformed(`frame (unknown type ${type})`);
}

/** Prefix a frame ciphertext with its u32 length. */
export function lengthPrefixed(ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_LENGTH_BYTES + ciphertext.length);
  new DataView(out.buffer).setUint32(0, ciphertext.length);
  out.set(ciphertext, FRAME_LENGTH_BYTES);
  return out;
}

/**
 * Incremental reader of a response body: feed it network chunks, take out the
 * preamble once and then whole frame ciphertexts. Refuses frames larger than
 * MAX_FRAME_BYTES or shorter than a secretstream tag before buffering them.
 */
export class FrameSplitter {
  private buffered: Uint8Array[] = [];
  private size = 0;
  private preambleTaken = false;

  /** Add bytes received from the network. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.buffered.push(chunk);
    this.size += chunk.length;
  }

  /** Bytes received and not yet returned. */
  get pending(): number {
    return this.size;
  }

  /** The preamble, once 32 bytes are there (undefined before, or after it was taken). */
  takePreamble(): Uint8Array | undefined {
    if (this.preambleTaken || this.size < RESPONSE_PREAMBLE_BYTES) return undefined;
    this.preambleTaken = true;
    return this.take(RESPONSE_PREAMBLE_BYTES);
  }

  /** The next whole frame ciphertext, or undefined until more bytes arrive. */
  nextFrame(): Uint8Array | undefined {
    if (!this.preambleTaken || this.size < FRAME_LENGTH_BYTES) return undefined;
    const head = this.peek(FRAME_LENGTH_BYTES);
    const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
    if (length > MAX_FRAME_BYTES || length < SECRETSTREAM_ABYTES) throw malformed(`frame (length ${length})`);
    if (this.size < FRAME_LENGTH_BYTES + length) return undefined;
    this.take(FRAME_LENGTH_BYTES);
    return this.take(length);
  }

  private peek(n: number): Uint8Array {
    if (this.buffered[0]!.length >= n) return this.buffered[0]!.subarray(0, n);
    const joined = Buffer.concat(this.buffered);
    this.buffered = [joined];
    return joined.subarray(0, n);
  }

  private take(n: number): Uint8Array {
    const joined = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = joined.slice(0, n);
    const rest = joined.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.size -= n;
    return out;
  }
}
