// A reasoning model's answer through the engine: no such model exists
// offline, so a tiny GGUF carries a Qwen3-style chat template and a grammar
// forces the <think>…</think> shape. The gateway's split then separates the
// thoughts, which are completion tokens like any other (and paid as such).
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {splitReasoning, ReasoningStream} from '../../src/gateway/reasoning.js';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';

// Qwen3's template, reduced to its ChatML turns.
const QWEN3_STYLE =
  "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";
const THINKING = 'root ::= "<think>" [a-z ]{4,40} "</think>" [a-z ]{4,40}';

describe('reasoning output (tiny GGUF, Qwen3-style template, <think> forced by a grammar)', () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: writeTinyGguf({chatTemplate: QWEN3_STYLE}), threads: 1, contextSize: 256, gpu: false, hash: false});
  });
  afterAll(() => engine?.dispose());

  it('renders the chat through the template and its thoughts separate from the answer; thought tokens are completion tokens', async () => {
    const messages = [{role: 'user' as const, content: 'the cat'}];
    const plain = await engine.countTokens('the cat');
    expect(await engine.countPromptTokens({messages, maxTokens: 1})).toBeGreaterThan(plain + 4);
    const stream = new ReasoningStream();
    const parts = [];
    let text = '';
    let done;
    for await (const e of engine.generate({messages, maxTokens: 120, temperature: 0, format: {type: 'gbnf', grammar: THINKING}})) {
      if (e.type === 'text') (text += e.text), parts.push(...stream.push(e.text));
      else done = e;
    }
    parts.push(...stream.end());
    expect(text).toMatch(/^<think>[a-z ]{4,40}<\/think>[a-z ]{4,40}$/);
    const split = splitReasoning(text);
    expect(split.reasoning!.length).toBeGreaterThanOrEqual(4);
    expect(split.content.length).toBeGreaterThan(0);
    expect(parts.filter((p) => p.kind === 'reasoning').map((p) => p.text).join('')).toBe(split.reasoning);
    expect(parts.filter((p) => p.kind === 'content').map((p) => p.text).join('')).toBe(split.content);
    // Every generated token is counted, thoughts and tags included: more than the answer alone.
    // Every generated token is counted, thoughts and tags included: the same answer without its thoughts costs fewer.
    const answerOnly = `root ::= ${JSON.stringify(split.content)}`;
    let answerTokens = 0;
    for await (const e of engine.generate({messages, maxTokens: 120, temperature: 0, format: {type: 'gbnf', grammar: answerOnly}})) if (e.type === 'done') answerTokens = e.usage.completionTokens;
    expect(answerTokens).toBeGreaterThan(0);
    expect(done!.usage.completionTokens).toBeGreaterThan(answerTokens + 8);
  });
});
