// Re-scoring asks an answer that stopped before its limits whether stopping was the
// model's choice (docs/audit.md §2): an answer cut short by the provider fails, one
// cut by its own maxTokens asks nothing, and honest endings pass.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {rescore} from '../../src/audit/rescore.js';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import {answerOf, generatedAnswer} from './answer.js';
import {MODELS} from './setup.js';

describe.runIf(Boolean(MODELS.stories))('re-scoring the end of an answer (stories260K)', () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: MODELS.stories!, gpu: false, threads: 1, parallel: 1, contextSize: 512, name: 'stories260K'});
  });
  afterAll(() => engine?.dispose());

  /** The first `n` tokens of an answer, as a provider that stopped there would send them (its text the model's own for those ids). */
  const cut = async (answer: Awaited<ReturnType<typeof generatedAnswer>>, n: number, maxTokens = answer.request.maxTokens) => {
    const request = {...answer.request, maxTokens};
    const ids = answer.tokenIds.slice(0, n);
    const text = (await engine.score({prompt: request.prompt, messages: request.messages, outputTokenIds: ids})).text;
    return answerOf(engine, request, {...answer.trace, outputTokenIds: ids}, text);
  };

  // stories260K never ends a story by itself (it writes on to any length), so its honest answers that stop, stop at a stop text.
  it('an honest greedy answer that stops at a stop text passes, stopping included; cut short by the provider it fails', async () => {
    const whole = await generatedAnswer(engine, {model: 'stories260K', prompt: 'Once upon a time', params: {temperature: 0, stop: ['.']}, maxTokens: 400});
    expect(whole.finishReason).toBe('stop');
    expect(whole.tokenIds.length).toBeGreaterThan(8);
    expect(whole.tokenIds.length).toBeLessThan(400);
    const honest = await rescore(engine, whole);
    expect(honest).toEqual({ok: true, reason: expect.stringMatching(/^greedy answer: all \d+ tokens are the model's top choice, and so is stopping/)});
    for (const n of [0, 3, Math.floor(whole.tokenIds.length / 2)]) {
      const v = await rescore(engine, await cut(whole, n));
      expect(v.ok, `cut after ${n}`).toBe(false);
      expect(v.reason).toMatch(new RegExp(`^greedy answer stopped after ${n} tokens, but the model would go on`));
    }
  });

  // node-llama-cpp drops a token in which a stop text begins and re-tokenises the text before it ("▁Lily" with stop
  // "ily." leaves "L"), so the answer's last ids are not ones the model sampled; re-scoring judges the model's token there.
  it('a stop text that begins inside a token: the re-tokenised tail of an honest answer passes; another tail does not', async () => {
    for (const [stop, retokenised] of [['ily.', 1], ['ly', 2], ['ttle', 2]] as const) {
      const a = await generatedAnswer(engine, {model: 'stories260K', prompt: 'Once upon a time', params: {temperature: 0, stop: [stop]}, maxTokens: 60});
      expect(a.finishReason).toBe('stop');
      const v = await rescore(engine, a);
      expect(v, stop).toEqual({ok: true, reason: expect.stringMatching(new RegExp(`; the last ${retokenised} re-tokenised before a stop text that began inside the model's token \\d+$`))});
    }
    // The same answer with its last id swapped for a token that spells no start of the model's: fails.
    const a = await generatedAnswer(engine, {model: 'stories260K', prompt: 'Once upon a time', params: {temperature: 0, stop: ['ily.']}, maxTokens: 60});
    const ids = [...a.tokenIds.slice(0, -1), engine.tokenize('x').at(-1)!];
    const text = (await engine.score({prompt: a.request.prompt, outputTokenIds: ids})).text;
    expect(await rescore(engine, answerOf(engine, a.request, {...a.trace, outputTokenIds: ids}, text))).toMatchObject({ok: false});
  });

  it('an answer cut by its own maxTokens asks nothing about stopping', async () => {
    const whole = await generatedAnswer(engine, {model: 'stories260K', prompt: 'Tom had a red ball. One day,', params: {temperature: 0}, maxTokens: 30});
    expect(whole.finishReason).toBe('length');
    expect(await rescore(engine, whole)).toMatchObject({ok: true});
    // The same first 12 tokens pass when 12 was the limit, and fail when 30 was.
    expect(await rescore(engine, await cut(whole, 12, 12))).toMatchObject({ok: true});
    expect(await rescore(engine, await cut(whole, 12))).toMatchObject({ok: false});
  });

  it('sampled answers: honest ones that stop pass; an empty answer where the model would write fails', async () => {
    let stopped = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const a = await generatedAnswer(engine, {model: 'stories260K', prompt: 'The dog found a shiny stone near the river.', params: {temperature: 0.8, seed, stop: ['.']}, maxTokens: 300});
      if (a.finishReason === 'stop') stopped++;
      const v = await rescore(engine, a);
      expect(v.ok, v.reason).toBe(true);
      if (a.finishReason === 'stop') expect(v.reason).toMatch(/tokens and stopping inside the sampler's support/);
    }
    expect(stopped).toBeGreaterThan(0);
    const a = await generatedAnswer(engine, {model: 'stories260K', prompt: 'The dog found a shiny stone near the river.', params: {temperature: 0.8, seed: 99}, maxTokens: 40});
    const v = await rescore(engine, await cut(a, 0));
    expect(v).toMatchObject({ok: false, reason: expect.stringMatching(/^sampled answer stopped after 0 tokens, but neither end of generation nor a stop text is inside the sampler's support/)});
  });
});
