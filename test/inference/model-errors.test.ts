import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {createEngine} from '../../src/inference/engine.js';
import {readGgufModelInfo} from '../../src/inference/gguf.js';
import {testModel} from './model.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-bad-models-'));

function badFiles(): Record<string, string> {
  const good = fs.readFileSync(testModel());
  const truncated = path.join(dir, 'truncated.gguf');
  fs.writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
  const headerOnly = path.join(dir, 'header-only.gguf');
  fs.writeFileSync(headerOnly, good.subarray(0, 200));
  const text = path.join(dir, 'notes.gguf');
  fs.writeFileSync(text, 'this is not a model\n'.repeat(50));
  return {missing: path.join(dir, 'nope.gguf'), truncated, headerOnly, text, directory: dir};
}

describe('bad model files', () => {
  const files = badFiles();
  const expected: Record<string, RegExp> = {
    missing: /not found/,
    truncated: /Truncated GGUF/,
    headerOnly: /Corrupt or truncated GGUF header|Truncated GGUF/,
    text: /Not a GGUF file/,
    directory: /not a file/,
  };

  for (const [kind, file] of Object.entries(files)) {
    it(`${kind}: a clear MODEL_ERROR with a hint`, async () => {
      const error = await createEngine({modelPath: file, threads: 1, gpu: false}).catch((e: unknown) => e);
      expect(error).toMatchObject({name: 'CocoonError', code: 'MODEL_ERROR'});
      expect((error as Error).message).toMatch(expected[kind]!);
      expect((error as {hint?: string}).hint).toBeTruthy();
      await expect(readGgufModelInfo(file)).rejects.toMatchObject({code: 'MODEL_ERROR'});
    });
  }

  it('the process lives on and still serves a good model', async () => {
    const engine = await createEngine({modelPath: testModel(), threads: 1, gpu: false, contextSize: 256});
    try {
      let tokens = 0;
      for await (const event of engine.generate({prompt: 'Once upon a time', maxTokens: 10, temperature: 0})) {
        if (event.type === 'done') tokens = event.usage.completionTokens;
      }
      expect(tokens).toBeGreaterThan(0);
    } finally {
      await engine.dispose();
    }
  });
});

describe('forced GPU backends', () => {
  it('a backend this machine lacks is a fast MODEL_ERROR', async () => {
    const {getLlamaGpuTypes} = await import('node-llama-cpp');
    const supported = await getLlamaGpuTypes('supported');
    const missing = (['cuda', 'vulkan'] as const).find((t) => !supported.includes(t));
    if (!missing) return; // a machine with both: nothing to refuse
    const started = Date.now();
    const error = await createEngine({modelPath: testModel(), gpu: missing, threads: 1}).catch((e: unknown) => e);
    expect(error).toMatchObject({code: 'MODEL_ERROR', details: {gpu: missing}});
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
