/**
 * A hand-written check of the request plaintext's JSON, run ahead of zod on
 * the provider's hot path (zod's parse of a request is ~70–100 µs here, this
 * ~5 µs). QueryRequestSchema stays the schema of record: this accepts only
 * what it accepts, returning the same value, and answers undefined on
 * anything it is not sure of (unknown keys, wrong types, out-of-range values,
 * a version it does not know), so the caller runs zod, which then gives the
 * refusal and its message. test/protocol/request-fast.test.ts checks the two
 * against each other on valid, mutated and random requests.
 */
import {QueryRequestSchema, type QueryRequestJson} from './schemas.js';

/** The version literal of the schema of record (so a protocol bump needs no edit here). */
const VERSION: unknown = QueryRequestSchema.innerType().shape.v.value;

const HEX32 = /^[0-9a-f]{32}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const RAW_ADDRESS = /^(0|-1):[0-9a-f]{64}$/;
const NANO = /^(0|[1-9][0-9]{0,38})$/;
const TOP_KEYS = new Set(['v', 'queryId', 'timestamp', 'channel', 'model', 'prompt', 'messages', 'params', 'maxTokens', 'maxPrice', 'voucher']);
const ROLES = new Set(['system', 'user', 'assistant']);
const NANO_LIMIT = 1n << 128n;

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const isString = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown, min: number, max: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;

/** Own keys of `o` are all in `allowed` (JSON.parse makes no inherited ones). */
function onlyKeys(o: Json, allowed: ReadonlySet<string> | readonly string[]): boolean {
  const has = allowed instanceof Set ? (k: string) => allowed.has(k) : (k: string) => (allowed as readonly string[]).includes(k);
  for (const k in o) if (!has(k)) return false;
  return true;
}

function isNano(x: unknown): x is string {
  // 39 digits can exceed 2^128 − 1 (~3.4e38); fewer cannot.
  return isString(x) && NANO.test(x) && (x.length < 39 || BigInt(x) < NANO_LIMIT);
}

function params(x: unknown): QueryRequestJson['params'] | undefined {
  if (x === undefined) return {};
  if (!isObject(x) || !onlyKeys(x, ['temperature', 'topP', 'seed', 'stop', 'thinkBudget'])) return undefined;
  const out: QueryRequestJson['params'] = {};
  if (x.temperature !== undefined) {
    if (typeof x.temperature !== 'number' || !(x.temperature >= 0 && x.temperature <= 10)) return undefined;
    out.temperature = x.temperature;
  }
  if (x.topP !== undefined) {
    if (typeof x.topP !== 'number' || !(x.topP > 0 && x.topP <= 1)) return undefined;
    out.topP = x.topP;
  }
  if (x.seed !== undefined) {
    if (!isInt(x.seed, 0, 2 ** 32 - 1)) return undefined;
    out.seed = x.seed;
  }
  if (x.stop !== undefined) {
    const stop = x.stop;
    if (!Array.isArray(stop) || stop.length > 16 || !stop.every((s) => isString(s) && s.length >= 1 && s.length <= 256)) return undefined;
    out.stop = [...(stop as string[])];
  }
  if (x.thinkBudget !== undefined) {
    if (!isInt(x.thinkBudget, 0, 1 << 20)) return undefined;
    out.thinkBudget = x.thinkBudget;
  }
  return out;
}

function messages(x: unknown): QueryRequestJson['messages'] | undefined {
  if (!Array.isArray(x) || x.length < 1 || x.length > 1024) return undefined;
  const out: NonNullable<QueryRequestJson['messages']> = [];
  for (const m of x) {
    if (!isObject(m) || !onlyKeys(m, ['role', 'content']) || !isString(m.role) || !ROLES.has(m.role) || !isString(m.content) || m.content.length > 1 << 20) return undefined;
    out.push({role: m.role as 'system' | 'user' | 'assistant', content: m.content});
  }
  return out;
}

function voucher(x: unknown): QueryRequestJson['voucher'] | undefined {
  if (!isObject(x) || !onlyKeys(x, ['amount', 'signature', 'covers']) || !isNano(x.amount) || !isString(x.signature) || !HEX128.test(x.signature)) return undefined;
  if (x.covers === undefined) return {amount: x.amount, signature: x.signature};
  const covers = x.covers;
  if (!Array.isArray(covers) || covers.length > 64 || !covers.every((c) => isString(c) && HEX32.test(c))) return undefined;
  return {amount: x.amount, signature: x.signature, covers: [...(covers as string[])]};
}

/**
 * The request JSON as QueryRequestSchema would return it, when it is sure the
 * schema accepts it; undefined otherwise (then parse with the schema).
 */
export function fastQueryRequest(json: unknown): QueryRequestJson | undefined {
  if (!isObject(json) || !onlyKeys(json, TOP_KEYS) || json.v !== VERSION) return undefined;
  const {queryId, timestamp, channel, model, prompt, maxTokens, maxPrice} = json;
  if (!isString(queryId) || !HEX32.test(queryId)) return undefined;
  if (!isInt(timestamp, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  if (!isString(channel) || !RAW_ADDRESS.test(channel)) return undefined;
  if (!isString(model) || model.length < 1 || model.length > 256) return undefined;
  if (prompt !== undefined && (!isString(prompt) || prompt.length > 1 << 22)) return undefined;
  const msgs = json.messages === undefined ? undefined : messages(json.messages);
  if (json.messages !== undefined && !msgs) return undefined;
  if ((prompt === undefined) === (msgs === undefined)) return undefined; // exactly one of prompt or messages
  const p = params(json.params);
  if (!p) return undefined;
  if (!isInt(maxTokens, 1, 1 << 20)) return undefined;
  if (!isObject(maxPrice) || !onlyKeys(maxPrice, ['prompt', 'completion']) || !isNano(maxPrice.prompt) || !isNano(maxPrice.completion)) return undefined;
  const v = json.voucher === undefined ? undefined : voucher(json.voucher);
  if (json.voucher !== undefined && !v) return undefined;
  return {
    v: json.v as QueryRequestJson['v'],
    queryId,
    timestamp,
    channel,
    model,
    ...(prompt === undefined ? {} : {prompt}),
    ...(msgs === undefined ? {} : {messages: msgs}),
    params: p,
    maxTokens,
    maxPrice: {prompt: maxPrice.prompt, completion: maxPrice.completion},
    ...(v === undefined ? {} : {voucher: v}),
  };
}
