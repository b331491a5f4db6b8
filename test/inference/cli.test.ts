// Through the built CLI (npm run build first: tsc + oclif manifest).
import fs from 'node:fs';
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {modelSha256} from '../../src/inference/hash.js';
import {runCli} from '../helpers/cli.js';
import {tempHome} from '../helpers/home.js';
import {testModel} from './model.js';

describe('cocoon gpu / models (built CLI)', () => {
  let home: string;
  beforeAll(() => {
    home = tempHome();
  });

  it('gpu detect --json reports CPU cleanly on a machine without a GPU', async () => {
    const r = await runCli(['gpu', 'detect', '--json'], {home});
    expect(r.code, r.stderr).toBe(0);
    const cpu = r.json.backends.find((b: {type: string}) => b.type === 'cpu');
    expect(cpu).toMatchObject({supported: true, works: true});
    expect(r.json.cpu.physicalCores).toBeGreaterThan(0);
    expect(r.json.memory.totalBytes).toBeGreaterThan(0);
    expect(r.json.fits.length).toBeGreaterThan(0);
    if (!r.json.backends.some((b: {type: string; works: boolean}) => b.type !== 'cpu' && b.works)) {
      expect(r.json.selected).toBe('cpu');
    }
    expect(r.stderr).not.toMatch(/bad special token|error/i);
  });

  it('models inspect --json reads the GGUF header and hashes the file', async () => {
    const model = testModel();
    const r = await runCli(['models', 'inspect', model, '--json'], {home});
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({path: model, architecture: 'llama', sizeBytes: fs.statSync(model).size});
    expect(r.json.parameters).toBeGreaterThan(0);
    expect(r.json.contextLength).toBeGreaterThan(0);
    expect(r.json.quantization).toBeTruthy();
    expect(r.json.sha256).toBe(await modelSha256(model, {cache: false}));
  });

  it('models inspect on a non-GGUF file fails with MODEL_ERROR and a hint', async () => {
    const bad = path.join(home, 'not-a-model.gguf');
    fs.writeFileSync(bad, 'hello');
    const r = await runCli(['models', 'inspect', bad, '--json'], {home});
    expect(r.code).toBe(8);
    expect(r.json.error).toMatchObject({code: 'MODEL_ERROR'});
    expect(r.json.error.hint).toBeTruthy();
  });

  it('models pull of an unreachable hf: URI fails fast with a typed error and leaves the store usable', async () => {
    // Port 9 on localhost refuses connections: "offline" on any machine, with or without internet.
    const env = {HF_ENDPOINT: 'http://127.0.0.1:9'};
    const r = await runCli(['models', 'pull', 'hf:ggml-org/models/tinyllamas/stories260K.gguf', '--json'], {home, env});
    expect(r.code).toBe(8);
    expect(r.json.error).toMatchObject({code: 'MODEL_ERROR', details: {reason: 'unreachable'}});
    const list = await runCli(['models', 'list', '--json'], {home});
    expect(list.code, list.stderr).toBe(0);
    expect(list.json.models).toEqual([]);
  });

  it('models pull of a local file, list, then rm', async () => {
    const model = testModel();
    const pulled = await runCli(['models', 'pull', model, '--json'], {home});
    expect(pulled.code, pulled.stderr).toBe(0);
    const name = path.basename(model);
    const list = await runCli(['models', 'list', '--json'], {home});
    expect(list.json.models).toMatchObject([{file: name, partial: false, info: {architecture: 'llama'}}]);
    const rm = await runCli(['models', 'rm', name.replace(/\.gguf$/, ''), '--json'], {home});
    expect(rm.code, rm.stderr).toBe(0);
    expect(rm.json.freedBytes).toBe(fs.statSync(model).size);
  });

  it('gpu bench --json returns positive figures', async () => {
    const r = await runCli(['gpu', 'bench', '--model', testModel(), '--gpu', 'cpu', '--threads', '1', '--parallel', '2', '--prompt-tokens', '16', '--tokens', '16', '--json'], {home});
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.single.generationTokensPerSecond).toBeGreaterThan(0);
    expect(r.json.parallel.sequences).toBe(2);
  });
});
