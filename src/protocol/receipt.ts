import {createHash} from 'node:crypto';
import {Address} from '@ton/core';
import {signEd25519, verifyEd25519} from '../crypto/ed25519.js';
import {malformed} from './errors.js';
import {PROTOCOL_VERSION, RECEIPT_BYTES, RECEIPT_TAG, type Receipt, type SamplingParams, type SamplingUsed, type SignedReceipt} from './wire.js';

/*
 * Receipt, 298 bytes, big-endian (docs/protocol.md §6). The provider signs
 * these exact bytes with its Ed25519 node key:
 *   0  tag "rcpt" u32              4
 *   4  version u8 = 3              1
 *   5  query id                   16
 *  21  channel workchain i8        1
 *  22  channel account id         32
 *  54  prompt tokens u32           4
 *  58  completion tokens u32       4
 *  62  price per prompt token u64  8
 *  70  price per completion u64    8
 *  78  cost u128                  16
 *  94  cumulative charge u128     16
 * 110  provider time u64 (ms)      8
 * 118  model SHA-256              32
 * 150  temperature f32             4
 * 154  top-p f32                   4
 * 158  top-k u32                   4
 * 162  seed u32                    4
 * 166  request input hash        32
 * 198  prompt token ids hash      32
 * 230  output token ids hash      32
 * 262  text hash                  32
 * 294  reasoning tokens u32        4   (of the completion tokens, §4.2)
 */

const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;
const U32_MAX = 2 ** 32 - 1;

function setU128(view: DataView, offset: number, value: bigint): void {
  view.setBigUint64(offset, value >> 64n);
  view.setBigUint64(offset + 8, value & U64_MAX);
}

function getU128(view: DataView, offset: number): bigint {
  return (view.getBigUint64(offset) << 64n) | view.getBigUint64(offset + 8);
}

/** Token ids as the protocol hashes and carries them: each a u32, big-endian, in order. */
export function encodeTokenIds(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * ids.length);
  const view = new DataView(out.buffer);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id > U32_MAX) throw new RangeError(`token id ${id} is not a u32`);
    view.setUint32(4 * i, id);
  });
  return out;
}

/** SHA-256 over the u32 big-endian token ids (docs/protocol.md §6); the empty list hashes the empty string. */
export function tokenIdsHash(ids: readonly number[]): Buffer {
  return createHash('sha256').update(encodeTokenIds(ids)).digest();
}

/** What inputHash covers: the request's input and generation settings. */
export interface RequestInput {
  prompt?: string;
  messages?: readonly {role: string; content: string}[];
  /** An embedding request's texts: then the hash covers `{"input": […]}` alone. */
  input?: readonly string[];
  params: SamplingParams;
  maxTokens: number;
}

/**
 * SHA-256 of the UTF-8 of JSON.stringify (ECMAScript: no whitespace, its
 * string escapes and number forms) of {prompt} or {messages: [{role, content}…]},
 * then params with only the keys present, in the order temperature, topP,
 * topK, seed, stop, format (its object keys sorted, at every depth),
 * thinkBudget, then maxTokens (docs/protocol.md §6). It ties an audited answer to the exact
 * request, so nobody can re-score it against another.
 */
export function inputHash(r: RequestInput): Buffer {
  if (r.input !== undefined) return createHash('sha256').update(JSON.stringify({input: r.input}), 'utf8').digest();
  const params: Record<string, unknown> = {};
  for (const key of ['temperature', 'topP', 'topK', 'seed', 'stop'] as const) if (r.params[key] !== undefined) params[key] = r.params[key];
  if (r.params.format !== undefined) params.format = sortedKeys(r.params.format);
  if (r.params.thinkBudget !== undefined) params.thinkBudget = r.params.thinkBudget;
  const input = r.prompt !== undefined ? {prompt: r.prompt} : {messages: (r.messages ?? []).map((m) => ({role: m.role, content: m.content}))};
  return createHash('sha256').update(JSON.stringify({...input, params, maxTokens: r.maxTokens}), 'utf8').digest();
}

// A JSON value with every object's keys in code-point order, so both ends hash the same bytes whatever order they built it in.
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
}

/**
 * The receipt's text hash of an embedding answer: SHA-256 of its vector
 * frames' payloads (float32 BE, type byte left out) in order.
 */
export function vectorsHash(payloads: readonly Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of payloads) h.update(p);
  return h.digest();
}

/** SHA-256 of a text's UTF-8 (the receipt's text hash). */
export function textHash(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Sampling values as the receipt holds them: temperature and top-p rounded to float32. */
export function samplingAsSigned(s: SamplingUsed): SamplingUsed {
  return {temperature: Math.fround(s.temperature), topP: Math.fround(s.topP), topK: s.topK, seed: s.seed};
}

/** Encode a receipt to its 298 signed bytes. */
export function encodeReceipt(r: Receipt): Uint8Array {
  const inRange = (v: bigint, max: bigint) => v >= 0n && v <= max;
  const u32 = (v: number) => Number.isInteger(v) && v >= 0 && v <= U32_MAX;
  if (r.queryId.length !== 16) throw new TypeError('query id must be 16 bytes');
  if ([r.modelHash, r.inputHash, r.promptHash, r.outputHash, r.textHash].some((h) => h.length !== 32)) throw new TypeError('the model, input, token and text hashes must be 32 bytes');
  if (!inRange(r.prices.prompt, U64_MAX) || !inRange(r.prices.completion, U64_MAX)) throw new RangeError('price out of u64 range');
  if (!inRange(r.cost, U128_MAX) || !inRange(r.total, U128_MAX)) throw new RangeError('amount out of u128 range');
  if (!u32(r.sampling.topK) || !u32(r.sampling.seed)) throw new RangeError('top-k and seed must be u32');
  if (!u32(r.reasoningTokens)) throw new RangeError('reasoning tokens must be a u32');
  const out = new Uint8Array(RECEIPT_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, RECEIPT_TAG);
  out[4] = PROTOCOL_VERSION;
  out.set(r.queryId, 5);
  view.setInt8(21, r.channel.workChain);
  out.set(r.channel.hash, 22);
  view.setUint32(54, r.usage.promptTokens);
  view.setUint32(58, r.usage.completionTokens);
  view.setBigUint64(62, r.prices.prompt);
  view.setBigUint64(70, r.prices.completion);
  setU128(view, 78, r.cost);
  setU128(view, 94, r.total);
  view.setBigUint64(110, BigInt(r.timestamp));
  out.set(r.modelHash, 118);
  view.setFloat32(150, r.sampling.temperature);
  view.setFloat32(154, r.sampling.topP);
  view.setUint32(158, r.sampling.topK);
  view.setUint32(162, r.sampling.seed);
  out.set(r.inputHash, 166);
  out.set(r.promptHash, 198);
  out.set(r.outputHash, 230);
  out.set(r.textHash, 262);
  view.setUint32(294, r.reasoningTokens);
  return out;
}

/** Decode receipt bytes; PROTOCOL_ERROR unless they are exactly a receipt of this protocol version. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  if (bytes.length >= 5 && bytes.length !== RECEIPT_BYTES && bytes[4] !== PROTOCOL_VERSION) throw malformed(`receipt (protocol version ${bytes[4]}; this cocoon speaks version ${PROTOCOL_VERSION})`);
  if (bytes.length !== RECEIPT_BYTES) throw malformed('receipt (length)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0) !== RECEIPT_TAG || bytes[4] !== PROTOCOL_VERSION) throw malformed('receipt (tag or version)');
  const workChain = view.getInt8(21);
  if (workChain !== 0 && workChain !== -1) throw malformed('receipt (workchain)');
  const timestamp = view.getBigUint64(110);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('receipt (timestamp)');
  const temperature = view.getFloat32(150);
  const topP = view.getFloat32(154);
  if (!(temperature >= 0 && temperature <= 10) || !(topP > 0 && topP <= 1)) throw malformed('receipt (sampling)');
  return {
    queryId: bytes.slice(5, 21),
    channel: new Address(workChain, Buffer.from(bytes.slice(22, 54))),
    usage: {promptTokens: view.getUint32(54), completionTokens: view.getUint32(58)},
    prices: {prompt: view.getBigUint64(62), completion: view.getBigUint64(70)},
    cost: getU128(view, 78),
    total: getU128(view, 94),
    timestamp: Number(timestamp),
    modelHash: bytes.slice(118, 150),
    sampling: {temperature, topP, topK: view.getUint32(158), seed: view.getUint32(162)},
    inputHash: bytes.slice(166, 198),
    promptHash: bytes.slice(198, 230),
    outputHash: bytes.slice(230, 262),
    textHash: bytes.slice(262, 294),
    reasoningTokens: view.getUint32(294),
  };
}

/** Encode and sign a receipt with the provider's Ed25519 node key (32-byte seed). */
export function signReceipt(receipt: Receipt, ed25519Seed: Uint8Array): SignedReceipt {
  const bytes = encodeReceipt(receipt);
  return {receipt: decodeReceipt(bytes), bytes, signature: signEd25519(ed25519Seed, bytes)};
}

/** True if `signature` is the provider's signature over these receipt bytes. */
export function verifyReceipt(bytes: Uint8Array, signature: Uint8Array, ed25519PublicKey: Uint8Array): boolean {
  return verifyEd25519(ed25519PublicKey, bytes, signature);
}
