// The thought budget in the engine (docs/protocol.md §4.2), on a tiny GGUF that thinks
// and never ends its thought by itself: greedy, its first token is <think> and it never
// chooses </think>, so every </think> in these answers is the engine's doing.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {splitReasoning} from '../../src/gateway/reasoning.js';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import type {GenerateRequest} from '../../src/inference/types.js';
import {QWEN3_STYLE_TEMPLATE} from '../helpers/qwen3-template.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';

// The same turns without the thought handling: a model that does not think.
const CHATML =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
const messages = [{role: 'user' as const, content: 'the cat sat on the mat'}];

async function run(engine: LlamaEngine, request: Omit<GenerateRequest, 'messages'>) {
  let text = '';
  for await (const e of engine.generate({messages, ...request})) {
    if (e.type === 'text') text += e.text;
    else return {text, usage: e.usage, finishReason: e.finishReason, ids: [...e.trace!.outputTokenIds], reasoningTokens: e.trace!.reasoningTokens};
  }
  throw new Error('no done event');
}

describe('thought budget (tiny GGUF that thinks, Qwen3-style template)', () => {
  let engine: LlamaEngine;
  let plain: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: writeTinyGguf({chatTemplate: QWEN3_STYLE_TEMPLATE, thinking: true}), threads: 1, contextSize: 256, gpu: false, hash: false});
    plain = await createEngine({modelPath: writeTinyGguf({chatTemplate: CHATML}), threads: 1, contextSize: 256, gpu: false, hash: false});
  });
  afterAll(async () => {
    await engine?.dispose();
    await plain?.dispose();
  });

  it('knows which models think: the chat template mentions </think>', () => {
    expect(engine.thinking).toEqual({tokenIds: engine.tokenize('</think>\n\n'), tagTokens: 1});
    expect(plain.thinking).toBeNull();
  });

  it('without a budget the model thinks to the end: every token a thought token, no </think>', async () => {
    const r = await run(engine, {maxTokens: 40, temperature: 0});
    expect(r.text.startsWith('<think>')).toBe(true);
    expect(r.text).not.toContain('</think>');
    expect(r.reasoningTokens).toBe(40);
    expect(splitReasoning(r.text).content).toBe('');
  });

  for (const temperature of [0, 0.8]) {
    it(`with thinkBudget 12 (temperature ${temperature}): at most 12 thought tokens, </think> from the engine, then the answer`, async () => {
      const r = await run(engine, {maxTokens: 40, temperature, seed: 5, thinkBudget: 12});
      expect(r.finishReason).toBe('length');
      expect(r.usage.completionTokens).toBe(40); // the closing tokens are completion tokens, within maxTokens
      expect(r.reasoningTokens).toBe(12);
      // The model wrote 11 thought tokens, the engine the closing text; the answer follows.
      expect(r.ids.slice(11, 11 + engine.thinking!.tokenIds.length)).toEqual(engine.thinking!.tokenIds);
      expect(r.text.match(/<\/think>/g)).toHaveLength(1);
      const split = splitReasoning(r.text);
      expect(split.reasoning!.length).toBeGreaterThan(4);
      expect(split.content.length).toBeGreaterThan(4);
      expect(split.content).not.toContain('think>');
      // What was streamed is what the ids spell (the receipt's text hash and an auditor both rely on it).
      expect((await engine.score({messages, outputTokenIds: r.ids})).text).toBe(r.text);
    });
  }

  it('after the closing text the streamed text is still exactly what the ids spell (the answer is no fresh start)', async () => {
    // A new completion would drop its first token's leading space ("▁tree" as "tree"); 30 sampled answers catch that.
    for (let seed = 0; seed < 30; seed++) {
      const r = await run(engine, {maxTokens: 30, temperature: 0.9, seed, thinkBudget: 4 + (seed % 10)});
      expect((await engine.score({messages, outputTokenIds: r.ids})).text, `seed ${seed}`).toBe(r.text);
    }
  });

  it('a budget of 0 closes the thought right after it opens; one larger than maxTokens changes nothing', async () => {
    const zero = await run(engine, {maxTokens: 20, temperature: 0, thinkBudget: 0});
    expect(zero.text.startsWith('<think></think>')).toBe(true);
    expect(zero.reasoningTokens).toBe(2);
    const unbounded = await run(engine, {maxTokens: 20, temperature: 0});
    expect(await run(engine, {maxTokens: 20, temperature: 0, thinkBudget: 500})).toEqual(unbounded);
  });

  it('ignored for a model whose template does not think, and with a grammar', async () => {
    const base = await run(plain, {maxTokens: 30, temperature: 0});
    expect(await run(plain, {maxTokens: 30, temperature: 0, thinkBudget: 5})).toEqual(base);
    expect(base.reasoningTokens).toBe(0);
    const grammar = {type: 'gbnf' as const, grammar: 'root ::= "<think>" [a-z ]{30,40}'};
    const g = await run(engine, {maxTokens: 30, temperature: 0, thinkBudget: 5, format: grammar});
    expect(g.text).not.toContain('</think>');
  });
});
