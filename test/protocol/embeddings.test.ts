// Embeddings over the protocol (docs/protocol.md §4.2): a real embedding
// engine (stories260K, or the tiny GGUF) behind a provider on loopback; the
// consumer gets exactly the engine's vectors, pays every input token at the
// prompt price, and refuses to pay for an answer that does not add up.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createEmbedder, type LlamaEmbedder} from '../../src/inference/embedder.js';
import type {InferenceEngine, PreparedEmbedding} from '../../src/inference/types.js';
import {batchTexts} from '../../src/consumer/embed.js';
import {decodeFramePayload, encodeVectorPayload} from '../../src/protocol/frames.js';
import {decodeQueryRequest, encodeQueryRequest} from '../../src/protocol/request.js';
import {inputHash} from '../../src/protocol/receipt.js';
import {testModel} from '../inference/model.js';
import {readGgufFileInfo} from 'node-llama-cpp';
import {bytes, CHANNEL, errorOf, MAX_PRICE, PRICES, startRig, type Rig} from './setup.js';

const modelPath = testModel();
const TEXTS = ['Once upon a time there was a cat.', 'The dog ran to the park.', 'Once upon a time there was a cat.'];
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('embeddings over the protocol', () => {
  let embedder: LlamaEmbedder;
  let rig: Rig;
  let dimensions: number;
  beforeAll(async () => {
    embedder = await createEmbedder({modelPath, threads: 1, gpu: false, hash: false, contextSize: 128});
    rig = await startRig({engine: embedder});
    const info = await readGgufFileInfo(modelPath, {readTensorInfo: false});
    dimensions = (info.metadata as unknown as {llama: {embedding_length: number}}).llama.embedding_length;
  });
  afterAll(async () => {
    await rig?.close();
    await embedder?.dispose();
  });

  const paid = async () => (await rig.ledger.get(CHANNEL.toRawString()))?.paid ?? 0n;

  it('answers the engine’s own unit vectors, one per input, of the model’s dimension; every input token is paid at the prompt price', async () => {
    expect(embedder.model.dimensions).toBe(dimensions);
    const direct = await embedder.embed(await embedder.prepareEmbedding(TEXTS));
    const before = await paid();
    const result = await rig.client({paid: before}).query({model: embedder.model.name, input: TEXTS, maxTokens: 0, maxPrice: MAX_PRICE}).result();
    expect(result.vectors).toHaveLength(TEXTS.length);
    for (const [i, v] of result.vectors!.entries()) {
      expect(v).toHaveLength(dimensions);
      expect(Array.from(v)).toEqual(Array.from(direct[i]!));
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    // The same text twice gives the same vector; another text another.
    expect(Array.from(result.vectors![2]!)).toEqual(Array.from(result.vectors![0]!));
    expect(Array.from(result.vectors![1]!)).not.toEqual(Array.from(result.vectors![0]!));
    let tokens = 0;
    for (const t of TEXTS) tokens += await embedder.countTokens(t);
    expect(result.usage).toEqual({promptTokens: tokens, completionTokens: 0});
    expect(result.cost).toBe(BigInt(tokens) * PRICES.prompt);
    expect(result.text).toBe('');
    expect(result.tokenIds).toEqual([]);
    expect(result.voucherPosted).toBe(true);
    expect(await paid()).toBe(before + result.cost);
  });

  it('an embedding node refuses a prompt, and an input over its context names the input; nothing is charged', async () => {
    const before = await paid();
    const client = rig.client({paid: before});
    const prompt = await errorOf(client.query({model: embedder.model.name, prompt: 'Tell me a story.', maxTokens: 8, maxPrice: MAX_PRICE}).result());
    expect(prompt).toMatchObject({wire: 'INVALID_QUERY'});
    expect(prompt.message).toMatch(/serves embeddings/);
    const long = await errorOf(client.query({model: embedder.model.name, input: ['a cat', 'the dog ran far away. '.repeat(60)], maxTokens: 0, maxPrice: MAX_PRICE}).result());
    expect(long).toMatchObject({wire: 'INVALID_QUERY'});
    expect(long.message).toMatch(/Input 1 is \d+ tokens; this model embeds at most 127/);
    expect(await paid()).toBe(before);
  });

  it('a chat node refuses texts to embed', async () => {
    const chat = await startRig();
    try {
      const err = await errorOf(chat.client().query({model: chat.engine.model.name, input: ['a cat'], maxTokens: 0, maxPrice: MAX_PRICE}).result());
      expect(err).toMatchObject({wire: 'INVALID_QUERY'});
      expect(err.message).toMatch(/need an embedding node/);
    } finally {
      await chat.close();
    }
  });

  it('the consumer refuses to pay for fewer vectors than inputs, or vectors of another size than the node announced', async () => {
    // A provider whose engine drops the last vector: its receipt is signed and hashes what it sent, and still does not add up.
    const dropping: InferenceEngine = Object.assign(Object.create(embedder) as InferenceEngine, {
      embed: async (p: PreparedEmbedding, signal?: AbortSignal) => (await embedder.embed(p, signal)).slice(0, -1),
    });
    const liar = await startRig({engine: dropping});
    try {
      const short = await errorOf(liar.client().query({model: embedder.model.name, input: TEXTS, maxTokens: 0, maxPrice: MAX_PRICE}).result());
      expect(short.code).toBe('PROTOCOL_ERROR');
      expect(short.message).toMatch(/2 vectors for 3 inputs.*no voucher was signed/);
      const doubling: InferenceEngine = Object.assign(Object.create(embedder) as InferenceEngine, {
        embed: async (p: PreparedEmbedding, signal?: AbortSignal) => {
          const v = await embedder.embed(p, signal);
          return [...v, ...v];
        },
      });
      const flood = await startRig({engine: doubling});
      try {
        const more = await errorOf(flood.client().query({model: embedder.model.name, input: TEXTS, maxTokens: 0, maxPrice: MAX_PRICE}).result());
        expect(more.message).toMatch(/more vectors than the 3 texts/);
      } finally {
        await flood.close();
      }
      const sized = await errorOf(rig.client({paid: await paid()}).query({model: embedder.model.name, input: ['a cat'], dimensions: dimensions + 1, maxTokens: 0, maxPrice: MAX_PRICE}).result());
      expect(sized.message).toMatch(new RegExp(`vectors not all of ${dimensions + 1} values`));
    } finally {
      await liar.close();
    }
  });
});

describe('the embedding request and vector frame on the wire', () => {
  const base = {queryId: bytes('q', 16), timestamp: 1, channel: CHANNEL, model: 'm', params: {}, maxPrice: MAX_PRICE};
  const json = (o: object) => Buffer.from(JSON.stringify({v: 3, queryId: 'ab'.repeat(16), timestamp: 1, channel: CHANNEL.toRawString(), model: 'm', maxPrice: {prompt: '1', completion: '1'}, ...o}));

  it('round-trips input without maxTokens or params, and hashes it alone', () => {
    const q = decodeQueryRequest(encodeQueryRequest({...base, input: ['a', 'b'], maxTokens: 0}));
    expect(q.input).toEqual(['a', 'b']);
    expect(q.maxTokens).toBe(0);
    expect(JSON.parse(Buffer.from(encodeQueryRequest({...base, input: ['a'], maxTokens: 0})).toString())).not.toHaveProperty('maxTokens');
    expect(inputHash({input: ['a', 'b'], params: {}, maxTokens: 0})).toEqual(inputHash({input: ['a', 'b'], params: {temperature: 1}, maxTokens: 9}));
    expect(inputHash({input: ['a', 'b'], params: {}, maxTokens: 0})).not.toEqual(inputHash({input: ['b', 'a'], params: {}, maxTokens: 0}));
    expect(inputHash({input: ['a'], params: {}, maxTokens: 0})).not.toEqual(inputHash({prompt: 'a', params: {}, maxTokens: 0}));
  });

  it('refuses input beside a prompt, with maxTokens or params, empty texts, and a prompt without maxTokens', () => {
    expect(() => decodeQueryRequest(json({input: ['a'], prompt: 'a'}))).toThrow(/exactly one of prompt, messages or input/);
    expect(() => decodeQueryRequest(json({input: ['a'], maxTokens: 4}))).toThrow(/maxTokens: not with input/);
    expect(() => decodeQueryRequest(json({input: ['a'], params: {temperature: 0}}))).toThrow(/params.temperature: not with input/);
    expect(() => decodeQueryRequest(json({input: ['']}))).toThrow(/input.0/);
    expect(() => decodeQueryRequest(json({input: []}))).toThrow(/input/);
    expect(() => decodeQueryRequest(json({prompt: 'a'}))).toThrow(/maxTokens: Required/);
  });

  it('batches texts into request bodies that fit, in order, and refuses a text that fits none', () => {
    const texts = Array.from({length: 100}, (_, i) => `text ${i} `.repeat(5));
    const batches = batchTexts(texts, 4096);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(texts);
    for (const b of batches) expect(b.reduce((n, t) => n + JSON.stringify(t).length + 1, 0)).toBeLessThanOrEqual(4096 - 2048);
    expect(batchTexts(['a', 'b'], 4096)).toEqual([['a', 'b']]);
    expect(() => batchTexts(['a', 'x'.repeat(3000)], 4096)).toThrow(/Input 1 is 3003 bytes as JSON; the embedding nodes take requests of at most 4096 bytes/);
  });

  it('a vector frame decodes to the floats it carries and refuses a torn length or a value that is not finite', () => {
    const v = Float32Array.of(0.25, -1.5, 3e-8);
    const frame = decodeFramePayload(encodeVectorPayload(v));
    expect(frame).toMatchObject({type: 'vector'});
    expect(Array.from((frame as {vector: Float32Array}).vector)).toEqual(Array.from(v));
    expect(() => decodeFramePayload(encodeVectorPayload(v).subarray(0, 6))).toThrow(/vector frame \(length\)/);
    expect(() => decodeFramePayload(Uint8Array.of(4))).toThrow(/vector frame \(length\)/);
    expect(() => decodeFramePayload(encodeVectorPayload([1, Number.NaN]))).toThrow(/not finite/);
  });
});
