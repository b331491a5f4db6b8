// prepare(): render and tokenise a request once, then generate from the tokens
// (docs/protocol.md §10.2: the provider counts a prompt for its deposit check
// and generates from that same count).
import type {ChatWrapper, LlamaModel} from 'node-llama-cpp';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import type {EngineEvent, GenerateRequest, PreparedPrompt} from '../../src/inference/types.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';
import {STORIES, testModel} from './model.js';

async function collect(stream: AsyncIterable<EngineEvent>) {
  let text = '';
  let done: Extract<EngineEvent, {type: 'done'}> | undefined;
  for await (const event of stream) {
    if (event.type === 'text') text += event.text;
    else done = event;
  }
  if (!done) throw new Error('stream did not end with done');
  return {text, usage: done.usage, finishReason: done.finishReason};
}

/** The engine's node-llama-cpp objects (private fields: the tests spy on them). */
function internals(engine: LlamaEngine) {
  return engine as unknown as {
    llamaModel: LlamaModel & {_model: {tokenize(text: string, special: boolean | string): Uint32Array}};
    chatWrapper: ChatWrapper | null;
    pool: {free: {sequence: {contextTokens: number[]}}[]};
  };
}

/**
 * Record every text the model's native tokenizer is given. Every tokenisation
 * node-llama-cpp does (LlamaModel.tokenize, .tokenizer, LlamaText.tokenize, the
 * stop-trigger detectors) ends in this one call.
 */
function spyTokenizer(engine: LlamaEngine) {
  const native = internals(engine).llamaModel._model;
  expect(typeof native.tokenize).toBe('function');
  const texts: string[] = [];
  const original = native.tokenize;
  // The addon's method is a read-only prototype property: shadow it on the instance.
  Object.defineProperty(native, 'tokenize', {
    configurable: true,
    writable: true,
    value(this: typeof native, text: string, special: boolean | string) {
      texts.push(text);
      return original.call(this, text, special);
    },
  });
  return {
    texts,
    /** Calls whose text holds `needle` (the prompt, or a message's content), then clears the record. */
    take(needle: string): number {
      const n = texts.filter((t) => t.includes(needle)).length;
      texts.length = 0;
      return n;
    },
    restore: () => void delete (native as {tokenize?: unknown}).tokenize,
  };
}

describe(`prepare() on ${STORIES ? 'stories260K.gguf' : 'the tiny GGUF (no COCOON_TEST_MODELS)'}`, () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: testModel(), threads: 1, parallel: 1, contextSize: 256, gpu: false, hash: false});
  });
  afterAll(() => engine?.dispose());

  const prompt = 'Once upon a time, there was a little dog';
  const plain: GenerateRequest = {prompt, maxTokens: 30, temperature: 0, seed: 3};
  const chat: GenerateRequest = {messages: [{role: 'user', content: 'Tell me a story about a cat.'}], maxTokens: 30, temperature: 0, seed: 3};

  for (const [kind, request] of [['a plain prompt', plain], ['chat messages', chat]] as const) {
    it(`gives the same text and usage from a prepared prompt as from the request alone: ${kind}`, async () => {
      const alone = await collect(engine.generate(request));
      const prepared = await engine.prepare(request);
      expect(prepared.promptTokens).toBe(alone.usage.promptTokens);
      expect(prepared.promptTokens).toBe(await engine.countPromptTokens(request));
      const fromPrepared = await collect(engine.generate(request, prepared));
      expect(fromPrepared).toEqual(alone);
      expect(fromPrepared.usage.promptTokens).toBe(prepared.promptTokens);
      // The request may leave its input out; the prepared prompt is reusable.
      const {prompt: _p, messages: _m, ...params} = request;
      expect(await collect(engine.generate(params, prepared))).toEqual(alone);
      expect(alone.text.length).toBeGreaterThan(0);
    });
  }

  it('matches a sampled generation with the same seed', async () => {
    const request: GenerateRequest = {prompt: 'The cat', maxTokens: 30, temperature: 0.9, topP: 0.95, seed: 11};
    const alone = await collect(engine.generate(request));
    expect(await collect(engine.generate(request, await engine.prepare(request)))).toEqual(alone);
  });

  it.skipIf(!STORIES)('stories260K tells its known greedy story from a prepared prompt (needs COCOON_TEST_MODELS)', async () => {
    const request: GenerateRequest = {prompt: 'Once upon a time', maxTokens: 40, temperature: 0};
    const {text, usage} = await collect(engine.generate(request, await engine.prepare(request)));
    expect(text).toContain('there was a little girl named Lily');
    expect(usage).toEqual({promptTokens: 5, completionTokens: 40});
  });

  it('tokenises the prompt once: in prepare, not again in generate', async () => {
    const spy = spyTokenizer(engine);
    try {
      for (const [request, needle] of [
        [plain, prompt],
        [chat, 'Tell me a story about a cat.'],
      ] as const) {
        const prepared = await engine.prepare(request);
        expect(spy.take(needle)).toBe(1);
        await collect(engine.generate(request, prepared));
        expect(spy.take(needle)).toBe(0);
        // The spy does see generate's own pass when there is no prepared prompt.
        await collect(engine.generate(request));
        expect(spy.take(needle)).toBe(1);
      }
    } finally {
      spy.restore();
    }
  });

  it('applies the stop strings of the request it generates (prepare reads only the input)', async () => {
    const free = await collect(engine.generate({prompt: 'Once upon a time', maxTokens: 40, temperature: 0}));
    const at = free.text.slice(10).search(/\S{3}/) + 10;
    const request: GenerateRequest = {prompt: 'Once upon a time', maxTokens: 40, temperature: 0, stop: [free.text.slice(at, at + 3)]};
    const prepared = await engine.prepare({prompt: 'Once upon a time'});
    const stopped = await collect(engine.generate(request, prepared));
    expect(stopped).toEqual(await collect(engine.generate(request)));
    expect(stopped.finishReason).toBe('stop');
  });

  it('refuses a prepared prompt over the context as before, with INVALID_INPUT', async () => {
    const request: GenerateRequest = {prompt: 'word '.repeat(600), maxTokens: 5};
    const prepared = await engine.prepare(request); // counting is not refusing: the deposit check comes first
    expect(prepared.promptTokens).toBeGreaterThanOrEqual(engine.model.contextSize);
    const refusal = expect.objectContaining({code: 'INVALID_INPUT', details: {promptTokens: prepared.promptTokens, contextSize: 256}});
    expect(() => engine.generate(request, prepared)).toThrow(refusal);
    expect(() => engine.generate(request)).toThrow(refusal);
    expect(engine.load()).toMatchObject({active: 0, queued: 0});
  });

  it('evaluates every token of a prompt that just fits the context (none cut off the front)', async () => {
    let text = '';
    while ((await engine.countTokens(text + 'the cat sat. ')) < 250) text += 'the cat sat. ';
    const prepared = await engine.prepare({prompt: text});
    expect(prepared.promptTokens).toBeGreaterThan(engine.model.contextSize * 0.9);
    const result = await collect(engine.generate({maxTokens: 20, temperature: 0}, prepared));
    expect(result.usage.promptTokens).toBe(prepared.promptTokens);
    expect(result.usage.completionTokens).toBeLessThanOrEqual(engine.model.contextSize - prepared.promptTokens);
    const sequence = internals(engine).pool.free[0]!.sequence;
    const bos = internals(engine).llamaModel.tokens.bos;
    expect(sequence.contextTokens.slice(0, prepared.promptTokens)).toEqual([bos, ...engine.tokenize(text)]);
  });

  it('refuses a prepared prompt that is not this engine\'s or not this request\'s, and malformed input', async () => {
    const prepared = await engine.prepare(plain);
    expect(() => engine.generate({...plain, prompt: 'Another prompt'}, prepared)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    expect(() => engine.generate({messages: [{role: 'user', content: prompt}], maxTokens: 5}, prepared)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    const forged: PreparedPrompt = {promptTokens: 1, handle: {}};
    expect(() => engine.generate(plain, forged)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    expect(() => engine.generate(plain, {...prepared, promptTokens: 1})).not.toThrow(); // the count is read from the engine's own record
    await expect(engine.prepare({})).rejects.toMatchObject({code: 'INVALID_INPUT'});
    await expect(engine.prepare({prompt: 'x', messages: []})).rejects.toMatchObject({code: 'INVALID_INPUT'});
    expect(Object.isFrozen(prepared)).toBe(true);
    // Changing the caller's messages after prepare does not change what was prepared.
    const messages = [{role: 'user' as const, content: 'Hello there'}];
    const chatPrepared = await engine.prepare({messages});
    messages[0]!.content = 'Something else';
    expect(() => engine.generate({messages, maxTokens: 5}, chatPrepared)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    await collect(engine.generate({messages: [{role: 'user', content: 'Hello there'}], maxTokens: 5}, chatPrepared));
  });

  it('a prepared prompt from another engine is refused', async () => {
    const other = await createEngine({modelPath: testModel(), threads: 1, contextSize: 256, gpu: false, hash: false});
    try {
      const prepared = await other.prepare(plain);
      expect(() => engine.generate(plain, prepared)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    } finally {
      await other.dispose();
    }
  });
});

// Standalone: the template path, on the generated model with a chat template.
describe('prepare() through a chat template (tiny GGUF)', () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: writeTinyGguf({chatTemplate: true}), threads: 1, gpu: false, contextSize: 256, hash: false});
  });
  afterAll(() => engine?.dispose());

  it('renders the template once and generates the same from it', async () => {
    const request: GenerateRequest = {
      messages: [
        {role: 'system', content: 'Be brief.'},
        {role: 'user', content: 'the cat'},
      ],
      maxTokens: 8,
      temperature: 0,
      seed: 1,
    };
    const wrapper = internals(engine).chatWrapper;
    expect(wrapper).not.toBeNull();
    const render = vi.spyOn(wrapper!, 'generateContextState');
    const spy = spyTokenizer(engine);
    try {
      const alone = await collect(engine.generate(request));
      expect(render).toHaveBeenCalledTimes(1);
      expect(spy.take('the cat')).toBe(1);
      const prepared = await engine.prepare(request);
      expect(render).toHaveBeenCalledTimes(2);
      expect(spy.take('the cat')).toBe(1);
      const fromPrepared = await collect(engine.generate(request, prepared));
      expect(render).toHaveBeenCalledTimes(2); // generate rendered nothing
      expect(spy.take('the cat')).toBe(0);
      expect(fromPrepared).toEqual(alone);
      expect(fromPrepared.usage.promptTokens).toBe(prepared.promptTokens);
      expect(prepared.promptTokens).toBeGreaterThan(engine.tokenize('user: the cat\nassistant:').length + 1);
    } finally {
      spy.restore();
      render.mockRestore();
    }
  });
});

describe('prepare() on the null engine', () => {
  it('counts once and generates the same text and usage', async () => {
    const engine = new NullEngine();
    const request: GenerateRequest = {messages: [{role: 'user', content: 'a b c'}, {role: 'user', content: 'd e'}], maxTokens: 7};
    const alone = await collect(engine.generate(request));
    engine.tokenizeCalls = 0;
    const prepared = await engine.prepare(request);
    expect(prepared.promptTokens).toBe(5);
    const fromPrepared = await collect(engine.generate({maxTokens: 7}, prepared));
    expect(engine.tokenizeCalls).toBe(1);
    expect(fromPrepared).toEqual(alone);
    expect(fromPrepared.text).toBe(NullEngine.expectedText(NullEngine.input(request), 7));
    expect(() => engine.generate({prompt: 'other', maxTokens: 1}, prepared)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    expect(() => new NullEngine().generate(request, prepared)).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    await expect(engine.prepare({})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });
});
