import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {Address} from '@ton/core';
import {decodeQueryRequest, encodeQueryRequest} from '../../src/protocol/request.js';
import {fastQueryRequest} from '../../src/protocol/request-fast.js';
import {QueryRequestSchema} from '../../src/protocol/schemas.js';

/*
 * The provider checks a request's JSON by hand before zod (src/protocol/request-fast.ts).
 * zod stays the schema of record: the hand-written check must take exactly what
 * zod takes, and give the same value; whatever it refuses goes on to zod for the message.
 */

const VERSION = QueryRequestSchema.innerType().shape.v.value;
const hex = (n: number) => fc.uint8Array({minLength: n, maxLength: n}).map((b) => Buffer.from(b).toString('hex'));
/** Something that is not what a field wants: every JSON type, and near misses. */
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({noNaN: true}), fc.string({maxLength: 8}), fc.constant([]), fc.constant({}));
/** Mostly `valid`, sometimes one of `off` (or junk): each field goes wrong now and then, alone or with others. */
const mostly = <T,>(valid: fc.Arbitrary<T>, ...off: fc.Arbitrary<unknown>[]) => fc.oneof({weight: 30, arbitrary: valid as fc.Arbitrary<unknown>}, {weight: 1, arbitrary: fc.oneof(junk, ...off)});
const anyHex = (n: number) => mostly(hex(n), hex(n + 1), hex(n - 1), hex(n).map((s) => s.toUpperCase().replace(/^[0-9]/, 'A')), hex(n).map((s) => `${s.slice(1)}g`));
const nano = mostly(
  fc.oneof(fc.bigInt({min: 0n, max: (1n << 128n) - 1n}).map(String), fc.bigInt({min: 0n, max: 10n ** 6n}).map(String), fc.constantFrom('0', String((1n << 128n) - 1n), '1'.repeat(39))),
  fc.constantFrom('00', '01', '-1', '', ' 1', '1.5', '1e3', String(1n << 128n), '9'.repeat(39), '1'.repeat(40)),
);
const int = (min: number, max: number) => mostly(fc.oneof(fc.integer({min, max}), fc.constantFrom(min, max)), fc.constantFrom(min - 1, max + 1, min + 0.5, Infinity, -Infinity));
const withExtra = <T extends object>(a: fc.Arbitrary<T>) => fc.oneof({weight: 40, arbitrary: a as fc.Arbitrary<object>}, {weight: 1, arbitrary: a.map((o) => ({...o, extra: 1}))}, {weight: 1, arbitrary: a.map((o) => {
  const json = JSON.stringify(o);
  return JSON.parse(json === '{}' ? '{"__proto__":{}}' : `{"__proto__":{},${json.slice(1)}`) as object;
})});
/** A record with every key (mostly), or with some left out. */
const record = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) => fc.oneof({weight: 30, arbitrary: fc.record(shape)}, {weight: 1, arbitrary: fc.record(shape, {requiredKeys: []})});

const message = withExtra(record({role: mostly(fc.constantFrom('system', 'user', 'assistant'), fc.constantFrom('tool', 'User')), content: mostly(fc.string({maxLength: 20}))}));
const params = withExtra(
  fc.record(
    {
      temperature: mostly(fc.oneof(fc.double({min: 0, max: 10, noNaN: true}), fc.constantFrom(0, 10, -0)), fc.double({min: -1, max: 11, noNaN: true}), fc.constantFrom(10.0000001, -0.1, Infinity)),
      topP: mostly(fc.oneof(fc.double({min: Number.MIN_VALUE, max: 1, noNaN: true}), fc.constantFrom(1, Number.MIN_VALUE)), fc.constantFrom(0, -0, 1.0000001, -1)),
      seed: int(0, 2 ** 32 - 1),
      stop: mostly(fc.array(mostly(fc.string({minLength: 1, maxLength: 4}), fc.constantFrom('', 'x'.repeat(257))), {maxLength: 16}), fc.array(fc.constant('x'), {minLength: 17, maxLength: 18})),
      thinkBudget: int(0, 1 << 20),
    },
    {requiredKeys: []},
  ),
);
const voucher = withExtra(
  fc.record({amount: nano, signature: anyHex(64), covers: mostly(fc.array(anyHex(16), {maxLength: 4}), fc.array(hex(16), {minLength: 63, maxLength: 66}))}, {requiredKeys: ['amount', 'signature']}),
);
/** Request JSON as JSON.parse could give it: mostly valid, every field sometimes off, keys sometimes missing or extra. */
const requestJson = withExtra(
  record({
        v: mostly(fc.constant(VERSION), fc.constantFrom(1, 3, '2')),
        queryId: anyHex(16),
        timestamp: int(0, Number.MAX_SAFE_INTEGER),
        channel: mostly(fc.oneof(hex(32).map((h) => `0:${h}`), hex(32).map((h) => `-1:${h}`)), hex(32).map((h) => `1:${h}`), hex(31).map((h) => `0:${h}`), hex(32).map((h) => `0:${h.toUpperCase()}`)),
        model: mostly(fc.oneof(fc.string({minLength: 1, maxLength: 8}), fc.constant('x'.repeat(256))), fc.constantFrom('', 'x'.repeat(257))),
        prompt: mostly(fc.string({maxLength: 40})),
        messages: mostly(fc.array(message, {minLength: 1, maxLength: 3}), fc.constant([])),
        params,
        maxTokens: int(1, 1 << 20),
        maxPrice: withExtra(record({prompt: nano, completion: nano})),
        voucher,
        which: fc.constantFrom('prompt', 'messages', 'prompt', 'messages', 'prompt', 'messages', 'both', 'neither'),
  })
    // Keys left out now and then; exactly one of prompt and messages mostly.
    .map(({which, ...r}: Record<string, unknown>) => {
      const out: Record<string, unknown> = {...r};
      if (which === 'prompt' || which === 'neither') delete out.messages;
      if (which === 'messages' || which === 'neither') delete out.prompt;
      return out;
    }),
);

/** The two agree on `json`: same verdict, same value. */
function agree(json: unknown): boolean {
  const fast = fastQueryRequest(json);
  const zod = QueryRequestSchema.safeParse(json);
  expect(fast !== undefined, `fast ${fast ? 'accepts' : 'refuses'}, zod ${zod.success ? 'accepts' : `refuses (${zod.error?.issues[0]?.message})`}: ${JSON.stringify(json)?.slice(0, 300)}`).toBe(zod.success);
  if (fast) expect(fast).toStrictEqual(zod.data);
  return zod.success;
}

describe('the hand-written request check against zod', () => {
  it('takes exactly what the schema takes, with the same value (random requests, mostly valid, every field sometimes off)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(requestJson, (json) => {
        if (agree(json)) accepted++;
        else refused++;
      }),
      {numRuns: 3000},
    );
    console.log(`request-fast: ${accepted} accepted, ${refused} refused by both`);
    // The generator must exercise both verdicts, or the property proves little.
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it('agrees on any JSON value at all, and on JSON text cut or changed byte by byte', () => {
    fc.assert(fc.property(fc.jsonValue(), (json) => void agree(json)), {numRuns: 500});
    const channel = new Address(0, Buffer.alloc(32, 7));
    const plain = encodeQueryRequest({
      queryId: Buffer.alloc(16, 1),
      timestamp: 1_700_000_000_000,
      channel,
      model: 'null',
      prompt: 'Once upon a time',
      params: {temperature: 0.5, stop: ['\n']},
      maxTokens: 32,
      maxPrice: {prompt: 1000n, completion: 2000n},
      voucher: {amount: 123n, signature: Buffer.alloc(64, 3), covers: [Buffer.alloc(16, 2).toString('hex')]},
    });
    const text = Buffer.from(plain).toString('utf8');
    fc.assert(
      fc.property(fc.nat({max: text.length - 1}), fc.string({minLength: 0, maxLength: 2}), (at, put) => {
        let json: unknown;
        try {
          json = JSON.parse(text.slice(0, at) + put + text.slice(at + 1));
        } catch {
          return;
        }
        agree(json);
      }),
      {numRuns: 2000},
    );
  });

  it('agrees at the size bounds that random strings do not reach', () => {
    const base = {v: VERSION, queryId: '00'.repeat(16), timestamp: 1, channel: `0:${'ab'.repeat(32)}`, model: 'm', maxTokens: 1, maxPrice: {prompt: '1', completion: '1'}};
    for (const prompt of ['x'.repeat(1 << 22), 'x'.repeat((1 << 22) + 1)]) agree({...base, prompt});
    for (const content of ['x'.repeat(1 << 20), 'x'.repeat((1 << 20) + 1)]) agree({...base, messages: [{role: 'user', content}]});
    for (const n of [1024, 1025]) agree({...base, messages: Array.from({length: n}, () => ({role: 'user', content: 'hi'}))});
    expect(agree({...base, prompt: 'hi'})).toBe(true);
    expect(agree({...base, prompt: 'hi', messages: [{role: 'user', content: 'hi'}]})).toBe(false);
    expect(agree({...base})).toBe(false);
  });

  it('is what decodeQueryRequest uses: a request round-trips, and a refusal still names the field', () => {
    const channel = new Address(0, Buffer.alloc(32, 9));
    const request = {queryId: Buffer.alloc(16, 4), timestamp: 5, channel, model: 'null', messages: [{role: 'user' as const, content: 'hi'}], params: {}, maxTokens: 8, maxPrice: {prompt: 1n, completion: 2n}};
    const decoded = decodeQueryRequest(encodeQueryRequest(request));
    expect(decoded.channel.equals(channel)).toBe(true);
    expect({...decoded, channel: undefined}).toEqual({...request, channel: undefined, prompt: undefined});
    const bad = Buffer.from(JSON.stringify({...JSON.parse(Buffer.from(encodeQueryRequest(request)).toString()), maxTokens: 0}));
    expect(() => decodeQueryRequest(bad)).toThrow(/maxTokens/);
  });
});
