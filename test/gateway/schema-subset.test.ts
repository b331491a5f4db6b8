// The JSON Schema subset both ends enforce (protocol/response-format.ts), the
// tool grammar the gateway builds from `tools`, and the provider refusing a
// schema the gateway would have refused (a consumer need not use our gateway).
import {afterEach, describe, expect, it} from 'vitest';
import {z} from 'zod/v4';
import {checkJsonSchema, SCHEMA_LIMITS} from '../../src/protocol/response-format.js';
import {decodeQueryRequest, encodeQueryRequest} from '../../src/protocol/request.js';
import {parseToolAnswer, parseTools, toolSchema} from '../../src/gateway/tools.js';
import {CHANNEL, MAX_PRICE, startRig, type Rig} from '../protocol/setup.js';

const ok = (schema: unknown) => {
  const r = checkJsonSchema(schema);
  if (!r.ok) throw new Error(`refused: ${r.problem.path} ${r.problem.message}`);
  return r.schema;
};
const problem = (schema: unknown) => {
  const r = checkJsonSchema(schema);
  if (r.ok) throw new Error('accepted');
  return r.problem;
};

describe('the JSON Schema subset', () => {
  it('accepts what zod writes, dropping annotations, writing anyOf as oneOf and {} as any value', () => {
    const schema = z.toJSONSchema(z.object({a: z.string().max(5), b: z.number().int(), c: z.enum(['x', 'y']), d: z.string().nullable(), e: z.array(z.boolean()).max(2), f: z.any()}));
    const out = ok(schema) as {properties: Record<string, Record<string, unknown>>; $schema?: string};
    expect(out.$schema).toBeUndefined();
    expect(out.properties.b).toEqual({type: 'integer'});
    expect(out.properties.c).toEqual({enum: ['x', 'y']});
    expect(out.properties.d).toEqual({oneOf: [{type: 'string'}, {type: 'null'}]});
    expect(out.properties.f).toEqual({oneOf: [{type: ['string', 'number', 'boolean', 'null']}, {type: 'object', additionalProperties: true}, {type: 'array'}]});
    // A property named like a keyword is a name, not a keyword.
    expect(ok({type: 'object', properties: {anyOf: {type: 'string'}}})).toEqual({type: 'object', properties: {anyOf: {type: 'string'}}});
    // properties or items without a type imply it.
    expect(ok({properties: {a: {type: 'string'}}})).toEqual({type: 'object', properties: {a: {type: 'string'}}});
    expect(ok({items: {type: 'string'}})).toEqual({type: 'array', items: {type: 'string'}});
    expect(ok({type: 'object', properties: {x: {$ref: '#/$defs/X'}}, $defs: {X: {const: 1}}})).toMatchObject({$defs: {X: {const: 1}}});
  });

  it.each([
    [{type: 'integer', minimum: 0}, '/minimum', 'unsupported'],
    [{type: 'string', pattern: 'a+'}, '/pattern', 'unsupported'],
    [{type: 'string', format: 'email'}, '/format', 'unsupported'],
    [{type: 'object', properties: {a: {not: {type: 'string'}}}}, '/properties/a/not', 'unsupported'],
    [{type: 'object', patternProperties: {'^x': {type: 'string'}}}, '/patternProperties', 'unsupported'],
    [{type: 'array', items: {type: 'string'}, uniqueItems: true}, '/uniqueItems', 'unsupported'],
    [{type: ['object', 'null']}, '/type', 'unsupported'],
    [{$ref: '#/definitions/x'}, '/$ref', 'unsupported'],
    [{type: 'string', minLength: 1000}, '/minLength', 'unsupported'],
    [{type: 'string', format: 'date', maxLength: 3}, '/format', 'unsupported'],
    [{type: 'strin'}, '/type', 'invalid'],
    [{enum: []}, '/enum', 'invalid'],
    [{minLength: 3}, '/minLength', 'unsupported'],
    [{type: 'array', minItems: 3, maxItems: 2}, '/minItems', 'invalid'],
    [{type: 'object', properties: {a: {type: 'string'}}, required: ['a', 'b']}, '/required', 'unsupported'],
    [{description: 'no shape', required: ['a'], type: 'array'}, '/required', 'unsupported'],
    ['a string', '', 'invalid'],
  ])('%j is refused at %s (%s)', (schema, path, kind) => {
    expect(problem(schema)).toMatchObject({path, kind});
  });

  it('bounds size, depth and subschema count', () => {
    let deep: object = {type: 'string'};
    for (let i = 0; i < SCHEMA_LIMITS.depth + 1; i++) deep = {type: 'array', items: deep};
    expect(problem(deep).message).toMatch(/deeper than/);
    const many = {type: 'object', properties: Object.fromEntries(Array.from({length: 100}, (_, i) => [`p${i}`, {type: 'array', prefixItems: Array(5).fill({type: 'string'})}]))};
    expect(problem(many).message).toMatch(/more than 512 subschemas/);
    expect(problem({type: 'string', description: 'x'.repeat(SCHEMA_LIMITS.bytes)}).message).toMatch(/bytes of JSON/);
  });
});

describe('the tool grammar', () => {
  const tools = [
    {type: 'function', function: {name: 'a', parameters: {type: 'object', properties: {x: {$ref: '#/$defs/X'}}, $defs: {X: {type: 'string'}}}}},
    {type: 'function', function: {name: 'b'}},
  ];

  it('auto: a text answer or calls; required: calls; a named choice: that function only', () => {
    const auto = parseTools({tools})!;
    expect(auto).toMatchObject({mode: 'auto', maxCalls: 8});
    const schema = toolSchema(auto) as {oneOf: Array<{properties: Record<string, unknown>}>; $defs: object};
    expect(Object.keys(schema.oneOf[0]!.properties)).toEqual(['content']);
    expect(Object.keys(schema.oneOf[1]!.properties)).toEqual(['tool_calls']);
    // Each function's $defs move to the root, renamed, with its references: the whole is valid subset.
    expect(schema.$defs).toEqual({a__X: {type: 'string'}});
    expect(JSON.stringify(schema)).toContain('"#/$defs/a__X"');
    expect(checkJsonSchema(schema).ok).toBe(true);

    expect(parseTools({tools, tool_choice: 'none'})).toBeUndefined();
    expect(parseTools({tools, tool_choice: 'required', parallel_tool_calls: false})).toMatchObject({mode: 'required', maxCalls: 1});
    const named = parseTools({tools, tool_choice: {type: 'function', function: {name: 'b'}}})!;
    expect(named.functions.map((f) => f.name)).toEqual(['b']);
    expect(toolSchema(named)).toMatchObject({properties: {tool_calls: {minItems: 1, items: {properties: {name: {const: 'b'}}}}}});
  });

  it('parses calls into ids and JSON-string arguments; anything else is text', () => {
    const calls = parseToolAnswer('{"tool_calls": [{"name": "a", "arguments": {"x": "1"}}, {"name": "b", "arguments": {}}]}');
    expect(calls).toMatchObject({kind: 'calls', calls: [{type: 'function', function: {name: 'a', arguments: '{"x":"1"}'}}, {function: {name: 'b', arguments: '{}'}}]});
    if (calls.kind === 'calls') expect(new Set(calls.calls.map((c) => c.id)).size).toBe(2);
    expect(parseToolAnswer('{"content": "hello"}')).toEqual({kind: 'text', content: 'hello'});
    expect(parseToolAnswer('{"tool_calls": [{"name": "a", "argu')).toEqual({kind: 'text', content: '{"tool_calls": [{"name": "a", "argu'});
  });
});

describe('the provider checks the schema too', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });
  const base = {queryId: Buffer.alloc(16, 1), timestamp: 1, channel: CHANNEL, model: 'null', prompt: 'hi', maxTokens: 3, maxPrice: MAX_PRICE};

  it('decoding: a format carried in params round-trips; a schema outside the subset is a malformed request naming it', () => {
    const format = {type: 'json_schema' as const, schema: {type: 'object', properties: {a: {type: 'string'}}}};
    expect(decodeQueryRequest(encodeQueryRequest({...base, params: {format}})).params.format).toEqual(format);
    expect(decodeQueryRequest(encodeQueryRequest({...base, params: {format: {type: 'json_object'}}})).params.format).toEqual({type: 'json_object'});
    expect(() => decodeQueryRequest(encodeQueryRequest({...base, params: {format: {type: 'json_schema', schema: {type: 'string', pattern: 'x'}}}}))).toThrow(/params\.format\.schema\.pattern: The JSON Schema keyword 'pattern' is not supported/);
    expect(() => decodeQueryRequest(encodeQueryRequest({...base, params: {format: {type: 'json_schema'} as never}}))).toThrow(/params\.format\.schema: Required/);
  });

  it('a query with such a schema sent past the gateway is refused in-stream and charges nothing', async () => {
    rig = await startRig({coalesceMs: 0});
    const stream = rig.client().query({model: 'null', prompt: 'hi', maxTokens: 5, maxPrice: MAX_PRICE, params: {format: {type: 'json_schema', schema: {type: 'number', multipleOf: 3}}}});
    await expect(stream.result()).rejects.toMatchObject({wireCode: 'BAD_REQUEST', message: expect.stringMatching(/multipleOf/)});
    expect((await rig.ledger.get(CHANNEL.toRawString()))?.owed ?? 0n).toBe(0n);
  });
});
