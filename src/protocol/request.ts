import {Address} from '@ton/core';
import {malformed} from './errors.js';
import {fastQueryRequest} from './request-fast.js';
import {firstIssue, QueryRequestSchema, type QueryRequestJson} from './schemas.js';
import type {QueryRequest} from './wire.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const UTF8 = new TextDecoder('utf-8', {fatal: true});

/**
 * The request plaintext is UTF-8 JSON (docs/protocol.md §4): amounts as decimal
 * strings, binary fields as lowercase hex, the channel as a raw address. Key
 * order is fixed by this encoder but readers must not depend on it.
 */
export function encodeQueryRequest(r: QueryRequest): Uint8Array {
  const json: QueryRequestJson = {
    v: 3,
    queryId: hex(r.queryId),
    timestamp: r.timestamp,
    channel: r.channel.toRawString(),
    model: r.model,
    ...(r.prompt === undefined ? {} : {prompt: r.prompt}),
    ...(r.messages === undefined ? {} : {messages: r.messages}),
    // An embedding request carries its texts and nothing to sample or bound (docs/protocol.md §4.3).
    ...(r.input === undefined ? {params: r.params, maxTokens: r.maxTokens} : {input: r.input, params: {}}),
    maxPrice: {prompt: r.maxPrice.prompt.toString(), completion: r.maxPrice.completion.toString()},
    ...(r.voucher ? {voucher: {amount: r.voucher.amount.toString(), signature: hex(r.voucher.signature), ...(r.voucher.covers?.length ? {covers: r.voucher.covers} : {})}} : {}),
  };
  return Buffer.from(JSON.stringify(json), 'utf8');
}

/** Parse and validate a decrypted request; PROTOCOL_ERROR on anything off-schema. */
export function decodeQueryRequest(bytes: Uint8Array): QueryRequest {
  let json: unknown;
  try {
    json = JSON.parse(UTF8.decode(bytes));
  } catch (err) {
    throw malformed('request plaintext (not UTF-8 JSON)', err);
  }
  // The hand-written check takes the usual request; anything it is unsure of goes to the schema of record.
  let r = fastQueryRequest(json);
  if (!r) {
    const parsed = QueryRequestSchema.safeParse(json);
    if (!parsed.success) throw malformed(`request plaintext (${firstIssue(parsed.error, 'request')})`);
    r = parsed.data;
  }
  return {
    queryId: Buffer.from(r.queryId, 'hex'),
    timestamp: r.timestamp,
    channel: Address.parseRaw(r.channel),
    model: r.model,
    prompt: r.prompt,
    messages: r.messages,
    ...(r.input === undefined ? {} : {input: r.input}),
    // The schema's refinement checked that format is one of ResponseFormat's shapes.
    params: r.params as QueryRequest['params'],
    maxTokens: r.maxTokens ?? 0,
    maxPrice: {prompt: BigInt(r.maxPrice.prompt), completion: BigInt(r.maxPrice.completion)},
    ...(r.voucher ? {voucher: {amount: BigInt(r.voucher.amount), signature: Buffer.from(r.voucher.signature, 'hex'), ...(r.voucher.covers ? {covers: r.voucher.covers} : {})}} : {}),
  };
}
