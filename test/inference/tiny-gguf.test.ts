import fs from 'node:fs';
import {describe, expect, it} from 'vitest';
import {createEngine} from '../../src/inference/engine.js';
import {readGgufModelInfo} from '../../src/inference/gguf.js';
import {modelSha256} from '../../src/inference/hash.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';

// Standalone: runs on the generated model whether or not shared models exist.
describe('tiny GGUF written by the test helper', () => {
  it('is deterministic and reads as a llama GGUF', async () => {
    const a = writeTinyGguf();
    const b = writeTinyGguf();
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    expect(await modelSha256(a, {cache: false})).toBe(await modelSha256(b, {cache: false}));
    const info = await readGgufModelInfo(a);
    expect(info).toMatchObject({architecture: 'llama', quantization: 'F32', contextLength: 512, layers: 2, tokenizer: 'llama', hasChatTemplate: false});
    expect(info.vocabularySize).toBeGreaterThan(259);
    expect(info.parameters).toBeGreaterThan(10_000);
  });

  it('chat messages go through the chat template when the model has one', async () => {
    const engine = await createEngine({modelPath: writeTinyGguf({chatTemplate: true}), threads: 1, gpu: false, contextSize: 256});
    try {
      const request = {messages: [{role: 'system' as const, content: 'Be brief.'}, {role: 'user' as const, content: 'the cat'}], maxTokens: 8, temperature: 0};
      const plain = engine.tokenize('user: the cat\nassistant:').length + 1;
      const promptTokens = await engine.countPromptTokens(request);
      expect(promptTokens).toBeGreaterThan(plain); // the template also renders the system message
      let done;
      for await (const event of engine.generate(request)) if (event.type === 'done') done = event;
      expect(done).toMatchObject({usage: {promptTokens, completionTokens: 8}, finishReason: 'length'});
    } finally {
      await engine.dispose();
    }
  });

  it('byte fallback tokenizes any UTF-8', async () => {
    const engine = await createEngine({modelPath: writeTinyGguf(), threads: 1, gpu: false, contextSize: 256, hash: false});
    try {
      const text = 'é#@ 漢字 🙂';
      expect(await engine.countTokens(text)).toBe(engine.tokenize(text).length + 1);
      let done;
      for await (const event of engine.generate({prompt: text, maxTokens: 5})) if (event.type === 'done') done = event;
      expect(done).toMatchObject({usage: {completionTokens: 5}});
    } finally {
      await engine.dispose();
    }
  });
});
