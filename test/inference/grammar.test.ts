// Structured output in the engine: grammar-constrained generation on a real
// model, a bad schema refused before it takes a sequence, and compiled
// grammars kept by hash so a repeated schema is not compiled again.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import {GrammarCache} from '../../src/inference/grammar.js';
import {importLlamaCpp, loadLlama} from '../../src/inference/llama.js';
import {SCHEMA_LIMITS} from '../../src/protocol/response-format.js';
import type {EngineEvent} from '../../src/inference/types.js';
import {testModel} from './model.js';

async function text(stream: AsyncIterable<EngineEvent>): Promise<{text: string; done: Extract<EngineEvent, {type: 'done'}>}> {
  let out = '';
  for await (const e of stream) {
    if (e.type === 'text') out += e.text;
    else return {text: out, done: e};
  }
  throw new Error('no done event');
}

const PERSON = {type: 'object', properties: {name: {type: 'string', maxLength: 16}, age: {type: 'integer'}, tags: {type: 'array', items: {enum: ['a', 'b']}, maxItems: 3}}, required: ['name', 'age', 'tags'], additionalProperties: false};

describe('structured output in the engine', () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: testModel(), threads: 1, parallel: 2, contextSize: 512, gpu: false});
  });
  afterAll(() => engine?.dispose());

  it('json_schema: every sampled answer parses, has exactly the schema\'s keys in order, and the right types', async () => {
    for (const seed of [1, 2, 3]) {
      const {text: out, done} = await text(engine.generate({messages: [{role: 'user', content: 'Who is Lily?'}], maxTokens: 200, temperature: 1, seed, format: {type: 'json_schema', schema: PERSON}}));
      expect(done.finishReason).toBe('stop');
      const value = JSON.parse(out);
      expect(Object.keys(value)).toEqual(['name', 'age', 'tags']);
      expect(typeof value.name).toBe('string');
      expect(value.name.length).toBeLessThanOrEqual(16);
      expect(Number.isInteger(value.age)).toBe(true);
      expect(value.tags.every((t: string) => t === 'a' || t === 'b')).toBe(true);
      expect(done.usage.completionTokens).toBeGreaterThan(5);
    }
  });

  it('json_object: a JSON object, where the same prompt unconstrained is not JSON', async () => {
    const free = await text(engine.generate({prompt: 'Once upon a time', maxTokens: 30, temperature: 0}));
    expect(() => JSON.parse(free.text)).toThrow();
    const {text: out} = await text(engine.generate({prompt: 'Once upon a time', maxTokens: 100, temperature: 1, seed: 4, format: {type: 'json_object'}}));
    const value = JSON.parse(out);
    expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  });

  it('a schema outside the subset is refused synchronously with INVALID_INPUT, taking no sequence', () => {
    expect(() => engine.generate({prompt: 'x', maxTokens: 5, format: {type: 'json_schema', schema: {type: 'string', pattern: '^a'}}})).toThrow(
      expect.objectContaining({code: 'INVALID_INPUT', message: expect.stringMatching(/at \/pattern/)}),
    );
    expect(engine.load().active).toBe(0);
  });
});

describe('GrammarCache', () => {
  it('compiles a schema once (by hash of its JSON), evicts the least recently used, and compiles a near-limit schema in bounded time', async () => {
    const llama = await loadLlama(false);
    const {LlamaJsonSchemaGrammar} = await importLlamaCpp();
    const cache = new GrammarCache(llama, LlamaJsonSchemaGrammar, {size: 2});
    const a = cache.grammarFor({type: 'json_schema', schema: PERSON});
    expect(cache.grammarFor({type: 'json_schema', schema: structuredClone(PERSON)})).toBe(a);
    const b = cache.grammarFor({type: 'json_object'});
    cache.grammarFor({type: 'json_schema', schema: PERSON}); // a is now the most recent
    cache.grammarFor({type: 'json_schema', schema: {type: 'string'}}); // evicts b
    expect(cache.cached).toBe(2);
    expect(cache.grammarFor({type: 'json_schema', schema: PERSON})).toBe(a);
    expect(cache.grammarFor({type: 'json_object'})).not.toBe(b);

    // The worst a request may send: just under the byte bound, every repetition at its bound, nested.
    const item = {type: 'object', properties: {s: {type: 'string', maxLength: SCHEMA_LIMITS.repeat}, e: {enum: ['x', 'y', 'z']}, n: {type: 'array', items: {type: 'array', items: {type: 'number'}, maxItems: SCHEMA_LIMITS.repeat}, maxItems: SCHEMA_LIMITS.repeat}}};
    const props = Object.fromEntries(Array.from({length: 48}, (_, i) => [`field_${i}`, {type: 'array', items: item, minItems: 1, maxItems: SCHEMA_LIMITS.repeat}]));
    const big = {type: 'object', properties: props};
    expect(JSON.stringify(big).length).toBeLessThan(SCHEMA_LIMITS.bytes);
    const started = performance.now();
    cache.grammarFor({type: 'json_schema', schema: big});
    const compileMs = performance.now() - started;
    const again = performance.now();
    cache.grammarFor({type: 'json_schema', schema: big});
    const cachedMs = performance.now() - again;
    console.log(`near-limit schema: compile ${compileMs.toFixed(1)} ms, cached ${cachedMs.toFixed(2)} ms`);
    expect(compileMs).toBeLessThan(1000);
    expect(cachedMs).toBeLessThan(compileMs);
  });

  it('a flood of new schemas is refused with BUSY past the compile budget; cached ones still compile nothing and pass', async () => {
    const llama = await loadLlama(false);
    const {LlamaJsonSchemaGrammar} = await importLlamaCpp();
    let clock = 0;
    const cache = new GrammarCache(llama, LlamaJsonSchemaGrammar, {compileBudgetMs: 1, now: () => clock++});
    const schema = (i: number) => ({type: 'object', properties: {[`k${i}`]: {type: 'string'}}});
    cache.grammarFor({type: 'json_schema', schema: schema(0)}); // spends 1 ms of the fake clock: the budget
    expect(() => cache.grammarFor({type: 'json_schema', schema: schema(1)})).toThrow(expect.objectContaining({code: 'BUSY'}));
    expect(cache.grammarFor({type: 'json_schema', schema: schema(0)})).toBeDefined();
    clock += 1000;
    expect(cache.grammarFor({type: 'json_schema', schema: schema(1)})).toBeDefined();
  });
});
