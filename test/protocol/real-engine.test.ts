import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createEngine} from '../../src/inference/engine.js';
import type {InferenceEngine} from '../../src/inference/types.js';
import {testModel} from '../inference/model.js';
import {CHANNEL, MAX_PRICE, PRICES, startRig, type Rig} from './setup.js';

// stories260K where COCOON_TEST_MODELS has it, else the tiny GGUF a helper writes: never skipped.
const modelPath = testModel();

describe('round trip with the real engine', () => {
  let engine: InferenceEngine;
  let rig: Rig;
  beforeAll(async () => {
    engine = await createEngine({modelPath, threads: 1, parallel: 1, gpu: false, hash: false});
    rig = await startRig({engine});
  });
  afterAll(async () => {
    await rig?.close();
    await engine?.dispose();
  });

  it('streams the same greedy answer the engine gives alone, metered and paid exactly', async () => {
    const prompt = 'Once upon a time, there was a little girl named Lily.';
    let direct = '';
    let directUsage;
    for await (const e of engine.generate({prompt, maxTokens: 40, temperature: 0})) {
      if (e.type === 'text') direct += e.text;
      else directUsage = e.usage;
    }
    const client = rig.client();
    const stream = client.query({model: engine.model.name, prompt, maxTokens: 40, maxPrice: MAX_PRICE, params: {temperature: 0}});
    let streamed = '';
    for await (const chunk of stream) streamed += chunk;
    const result = await stream.result();
    expect(streamed.length).toBeGreaterThan(0);
    expect(result.text).toBe(streamed);
    expect(streamed).toBe(direct);
    expect(result.usage).toEqual(directUsage);
    expect(result.cost).toBe(BigInt(result.usage.promptTokens) * PRICES.prompt + BigInt(result.usage.completionTokens) * PRICES.completion);
    expect(result.voucherPosted).toBe(true);
  });

  it('passes on the engine refusing a prompt longer than its context as INVALID_INPUT', async () => {
    const paid = (await rig.ledger.get(CHANNEL.toRawString()))?.paid ?? 0n;
    const prompt = 'Lily saw a big red ball in the park. '.repeat(400);
    const err = await rig.client({paid}).query({model: engine.model.name, prompt, maxTokens: 5, maxPrice: MAX_PRICE}).result().catch((e: unknown) => e);
    expect(err).toMatchObject({code: 'INVALID_INPUT', details: {wireCode: 'INVALID_QUERY'}});
  });

  it('a real generation stopped by its consumer ends with a receipt for what was sent, paid exactly', async () => {
    const before = (await rig.ledger.get(CHANNEL.toRawString()))?.paid ?? 0n;
    const client = rig.client({paid: before});
    const stop = new AbortController();
    const stream = client.query({model: engine.model.name, prompt: 'Tom had a dog.', maxTokens: 400, maxPrice: MAX_PRICE, stop: stop.signal});
    let text = '';
    for await (const piece of stream) {
      text += piece;
      stop.abort();
    }
    const result = await stream.result();
    expect(result.finishReason).toBe('abort');
    expect(result.text).toBe(text);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeLessThan(400);
    expect((await rig.ledger.get(CHANNEL.toRawString()))!.paid).toBe(before + result.cost);
    const next = await client.query({model: engine.model.name, prompt: 'Tom had a dog.', maxTokens: 5, maxPrice: MAX_PRICE}).result();
    expect(next.total).toBe(before + result.cost + next.cost);
  });
});
