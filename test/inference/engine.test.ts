import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import type {EngineEvent, GenerateRequest} from '../../src/inference/types.js';
import {STORIES, testModel} from './model.js';

async function collect(stream: AsyncIterable<EngineEvent>) {
  const events: EngineEvent[] = [];
  for await (const event of stream) events.push(event);
  const done = events.at(-1);
  if (done?.type !== 'done') throw new Error('stream did not end with done');
  const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  return {events, text, done};
}

describe(`engine on ${STORIES ? 'stories260K.gguf' : 'the tiny GGUF'}`, () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: testModel(), threads: 1, parallel: 4, contextSize: 512, gpu: false});
  });
  afterAll(() => engine?.dispose());

  it('describes the model and backend', () => {
    expect(engine.backend).toBe('cpu');
    expect(engine.model.architecture).toBe('llama');
    expect(engine.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(engine.model.contextSize).toBe(512);
    expect(engine.load()).toEqual({active: 0, queued: 0, parallel: 4, maxQueue: 16});
  });

  it('streams text chunks, then exactly one done event', async () => {
    const {events, text, done} = await collect(engine.generate({prompt: 'Once upon a time', maxTokens: 40, temperature: 0}));
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(1);
    expect(done.finishReason).toBe('length');
    expect(text.length).toBeGreaterThan(20);
    if (STORIES) {
      // stories260K writes the same coherent story under greedy decoding.
      expect(text).toContain('there was a little girl named Lily');
      // Its greedy story is canonically tokenized: re-tokenizing prompt + completion gives the same total.
      expect(engine.tokenize('Once upon a time' + text).length + 1).toBe(done.usage.promptTokens + done.usage.completionTokens);
    }
  });

  it("counts prompt and completion tokens as the model's tokenizer does", async () => {
    const prompt = 'Once upon a time, a cat sat on the mat.';
    const promptTokens = engine.tokenize(prompt).length + 1; // + BOS
    expect(await engine.countTokens(prompt)).toBe(promptTokens);
    const {text, done} = await collect(engine.generate({prompt, maxTokens: 60, temperature: 0}));
    expect(done.usage.promptTokens).toBe(promptTokens);
    if (done.finishReason === 'length') expect(done.usage.completionTokens).toBe(60);
    else expect(done.usage.completionTokens).toBeLessThan(60);

    // The same generation straight through node-llama-cpp samples exactly as many tokens.
    const {getLlama, LlamaCompletion} = await import('node-llama-cpp');
    const llama = await getLlama({gpu: false, build: 'never', maxThreads: 0, logLevel: 'error' as never});
    const model = await llama.loadModel({modelPath: testModel()});
    const context = await model.createContext({contextSize: 512, threads: 1});
    let direct = 0;
    const completion = new LlamaCompletion({contextSequence: context.getSequence()});
    const response = await completion.generateCompletion(model.tokenize(prompt), {maxTokens: 60, temperature: 0, topP: 0.9, onToken: (t) => (direct += t.length)});
    await context.dispose();
    await model.dispose();
    expect(text).toBe(response);
    expect(done.usage.completionTokens).toBe(direct);
  });

  it('stops before a stop string', async () => {
    const free = await collect(engine.generate({prompt: 'Once upon a time', maxTokens: 40, temperature: 0}));
    // A stop string from the middle of the free output (no whitespace: SentencePiece moves spaces between tokens).
    const at = free.text.slice(10).search(/\S{3}/) + 10;
    const stop = free.text.slice(at, at + 3);
    const {text, done} = await collect(engine.generate({prompt: 'Once upon a time', maxTokens: 40, temperature: 0, stop: [stop]}));
    expect(done.finishReason).toBe('stop');
    // Output ends at the token boundary before the stop string (a partial token's leading space may go with it).
    expect(free.text.startsWith(text)).toBe(true);
    expect(text).not.toContain(stop);
    expect(free.text.slice(text.length, free.text.indexOf(stop)).trim()).toBe('');
    expect(done.usage.completionTokens).toBeLessThan(free.done.usage.completionTokens);
  });

  it('is reproducible with a seed', async () => {
    const request: GenerateRequest = {prompt: 'The dog', maxTokens: 30, temperature: 0.9, topP: 0.95, seed: 7};
    const a = await collect(engine.generate(request));
    const b = await collect(engine.generate(request));
    expect(a.text).toBe(b.text);
  });

  it('stops within a few tokens of an abort', async () => {
    const controller = new AbortController();
    let chunks = 0;
    let done: EngineEvent | undefined;
    for await (const event of engine.generate({prompt: 'Once upon a time', maxTokens: 400, temperature: 0.8, signal: controller.signal})) {
      if (event.type === 'text' && ++chunks === 3) controller.abort();
      if (event.type === 'done') done = event;
    }
    expect(done).toMatchObject({type: 'done', finishReason: 'abort'});
    if (done?.type === 'done') expect(done.usage.completionTokens).toBeLessThanOrEqual(8);
  });

  it('an already aborted request runs nothing and bills nothing', async () => {
    const {events, done} = await collect(engine.generate({prompt: 'Once', maxTokens: 50, signal: AbortSignal.abort()}));
    expect(events).toHaveLength(1);
    expect(done).toEqual({type: 'done', usage: {promptTokens: 0, completionTokens: 0}, finishReason: 'abort'});
  });

  it('aborts when the reader leaves the stream early, and frees the sequence', async () => {
    for await (const event of engine.generate({prompt: 'Once', maxTokens: 400})) {
      if (event.type === 'text') break;
    }
    expect(engine.load().active).toBe(0);
  });

  it('runs 4 generations at once with right counts', async () => {
    const prompts = ['Once upon a time', 'The little dog', 'Lily saw a big red ball', 'One day, Tom'];
    const streams = prompts.map((prompt, i) => engine.generate({prompt, maxTokens: 30 + i, temperature: 0.8, seed: i}));
    expect(engine.load().active + engine.load().queued).toBe(4);
    const results = await Promise.all(streams.map(collect));
    for (const [i, r] of results.entries()) {
      expect(r.done.usage.promptTokens).toBe(await engine.countTokens(prompts[i]!));
      if (r.done.finishReason === 'length') expect(r.done.usage.completionTokens).toBe(30 + i);
      else expect(r.done.finishReason).toBe('stop');
      expect(r.text.length).toBeGreaterThan(0);
    }
    expect(engine.load()).toMatchObject({active: 0, queued: 0});
  });

  it('renders chat messages (plain transcript when the model has no template)', async () => {
    const request: GenerateRequest = {messages: [{role: 'user', content: 'Tell me a story.'}], maxTokens: 20, temperature: 0};
    const expected = await engine.countPromptTokens(request);
    expect(expected).toBe(engine.tokenize('user: Tell me a story.\nassistant:').length + 1);
    const {done} = await collect(engine.generate(request));
    expect(done.usage.promptTokens).toBe(expected);
  });

  it('refuses bad requests with typed errors', () => {
    expect(() => engine.generate({maxTokens: 5})).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    expect(() => engine.generate({prompt: 'x', maxTokens: 0})).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
    expect(() => engine.generate({prompt: 'word '.repeat(600), maxTokens: 5})).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
  });
});

describe('engine queue', () => {
  it('queues past the parallel sequences and answers BUSY past maxQueue', async () => {
    const engine = await createEngine({modelPath: testModel(), threads: 1, parallel: 1, maxQueue: 1, contextSize: 256, gpu: false, hash: false});
    try {
      const a = engine.generate({prompt: 'Once', maxTokens: 20});
      const b = engine.generate({prompt: 'Once', maxTokens: 20});
      expect(engine.load()).toMatchObject({active: 1, queued: 1});
      expect(() => engine.generate({prompt: 'Once', maxTokens: 20})).toThrow(expect.objectContaining({code: 'BUSY'}));
      const [ra, rb] = await Promise.all([collect(a), collect(b)]);
      expect(ra.done.usage.completionTokens).toBeGreaterThan(0);
      expect(rb.done.usage.completionTokens).toBeGreaterThan(0);
      // Aborting a queued request takes it out of the queue without running it.
      const c = engine.generate({prompt: 'Once', maxTokens: 50});
      const controller = new AbortController();
      const d = engine.generate({prompt: 'Once', maxTokens: 50, signal: controller.signal});
      controller.abort();
      const rd = await collect(d);
      expect(rd.done).toEqual({type: 'done', usage: {promptTokens: 0, completionTokens: 0}, finishReason: 'abort'});
      await collect(c);
    } finally {
      await engine.dispose();
    }
    expect(() => engine.generate({prompt: 'x', maxTokens: 1})).toThrow(expect.objectContaining({code: 'MODEL_ERROR'}));
  });

  it('dispose ends running and queued generations with an abort', async () => {
    const engine = await createEngine({modelPath: testModel(), threads: 1, parallel: 1, contextSize: 256, gpu: false, hash: false});
    const running = engine.generate({prompt: 'Once', maxTokens: 200});
    const queued = engine.generate({prompt: 'Once', maxTokens: 200});
    const iterator = running[Symbol.asyncIterator]();
    await iterator.next(); // first text: it is running
    await engine.dispose();
    const rest: EngineEvent[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(rest.at(-1)).toMatchObject({type: 'done', finishReason: 'abort'});
    expect((await collect(queued)).done).toEqual({type: 'done', usage: {promptTokens: 0, completionTokens: 0}, finishReason: 'abort'});
  });
});
