// The consumer checks what a v3 receipt commits to (docs/protocol.md §6) before it signs a voucher:
// a provider is played here by a small server on a real socket that speaks the protocol with real
// keys and crypto, but can lie in its final frame in exactly one way per test.
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {ProviderClient} from '../../src/consumer/client.js';
import {StreamSealer} from '../../src/crypto/response-stream.js';
import {generateNodeKey, type NodeKey} from '../../src/crypto/node-key.js';
import {openRequest} from '../../src/protocol/envelope.js';
import {encodeFinalPayload, encodeResponsePreamble, encodeTextPayload, lengthPrefixed} from '../../src/protocol/frames.js';
import {queryCost} from '../../src/protocol/pricing.js';
import {inputHash, signReceipt, textHash, tokenIdsHash} from '../../src/protocol/receipt.js';
import {decodeQueryRequest} from '../../src/protocol/request.js';
import type {QueryRequest, SamplingUsed} from '../../src/protocol/wire.js';
import {bytes, CHANNEL, CONSUMER_SEED, errorOf, MAX_PRICE, PRICES} from './setup.js';

const MODEL_HASH = bytes('registered model', 32);
const IDS = [403, 407, 261, 378, 426];

/** How the played provider lies: each field changes one thing between what it signs and what it sends. */
interface Lie {
  /** Token ids sent in the final frame (default: the ones hashed). */
  sent?: (ids: number[]) => number[];
  /** Token ids the receipt hashes and counts (default: IDS). */
  signed?: number[];
  modelHash?: Uint8Array;
  sampling?: (q: QueryRequest) => SamplingUsed;
  /** Text the receipt hashes (default: the text sent). */
  signedText?: string;
  /** The request the receipt says it answered (default: the one received). */
  answered?: (q: QueryRequest) => QueryRequest;
  /** Thought tokens the receipt counts (default: 0). */
  reasoningTokens?: number;
}

const TEXT = 'Once upon a time.';

let server: http.Server | undefined;
const vouchers: string[] = [];

async function playProvider(node: NodeKey, lie: Lie): Promise<string> {
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url === '/v1/voucher') {
      vouchers.push(body.toString());
      res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({ok: true, paid: '0', owed: '0'}));
      return;
    }
    const opened = await openRequest(body, node.x25519SecretKey);
    const q = decodeQueryRequest(opened.plaintext);
    const signedIds = lie.signed ?? IDS;
    const usage = {promptTokens: 7, completionTokens: signedIds.length};
    const sampling = lie.sampling?.(q) ?? {temperature: q.params.temperature ?? 0.7, topP: q.params.topP ?? 0.9, topK: q.params.topK ?? 40, seed: q.params.seed ?? 7};
    const cost = queryCost(usage, PRICES);
    const signed = signReceipt(
      {queryId: q.queryId, channel: q.channel, usage, prices: PRICES, cost, total: cost, timestamp: Date.now(), modelHash: lie.modelHash ?? MODEL_HASH, sampling,
        inputHash: inputHash(lie.answered?.(q) ?? q), promptHash: tokenIdsHash([1, 2, 3, 4, 5, 6, 7]), outputHash: tokenIdsHash(signedIds), textHash: textHash(lie.signedText ?? TEXT), reasoningTokens: lie.reasoningTokens ?? 0},
      node.ed25519Seed,
    );
    const sealer = await StreamSealer.create(opened.keys.responseKey);
    res.writeHead(200, {'content-type': 'application/octet-stream'});
    res.write(encodeResponsePreamble(sealer.header));
    res.write(lengthPrefixed(sealer.push(encodeTextPayload(TEXT), false)));
    res.end(lengthPrefixed(sealer.push(encodeFinalPayload('stop', signed, (lie.sent ?? ((ids) => ids))([...signedIds])), true)));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function ask(lie: Lie, params: QueryRequest['params'] = {temperature: 0, seed: 42}) {
  const node = await generateNodeKey(bytes('played node', 64));
  const endpoint = await playProvider(node, lie);
  const client = new ProviderClient({
    endpoint,
    provider: {x25519PublicKey: node.x25519PublicKey, ed25519PublicKey: node.ed25519PublicKey, modelHash: MODEL_HASH},
    channel: CHANNEL,
    voucherKey: CONSUMER_SEED,
  });
  const result = client.query({model: 'stories260K', prompt: 'Once', maxTokens: 16, maxPrice: MAX_PRICE, params}).result();
  return {result, paid: () => client.paid()};
}

afterEach(async () => {
  vouchers.length = 0;
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('receipt commitments, checked by the consumer before it pays', () => {
  it('an honest final frame is paid, and the result carries the token ids and the sampler', async () => {
    const {result, paid} = await ask({});
    const r = await result;
    expect(r.tokenIds).toEqual(IDS);
    expect(r.sampling).toEqual({temperature: 0, topP: Math.fround(0.9), topK: 40, seed: 42});
    expect(Buffer.from(r.receipt.receipt.outputHash)).toEqual(tokenIdsHash(IDS));
    expect(await paid()).toBe(r.cost);
    expect(vouchers).toHaveLength(1);
  });

  it('one altered token id: refused before any voucher is signed', async () => {
    const {result, paid} = await ask({sent: (ids) => ids.map((id, i) => (i === 2 ? id + 1 : id))});
    const err = await errorOf(result);
    expect(err.code).toBe('PROTOCOL_ERROR');
    expect(err.message).toMatch(/token ids do not match the receipt’s hash.*no voucher was signed/);
    expect(await paid()).toBe(0n);
    expect(vouchers).toHaveLength(0);
  });

  it('more completion tokens billed than ids sent (the hash is over the padded list): refused', async () => {
    const padded = [...IDS, 13, 13];
    const {result, paid} = await ask({signed: padded, sent: () => IDS});
    const err = await errorOf(result);
    expect(err.message).toMatch(/5 token ids for 7 completion tokens/);
    expect(await paid()).toBe(0n);
  });

  it('a receipt for other text, or for another request (another prompt or maxTokens): refused', async () => {
    const text = await ask({signedText: 'Once upon a time, a fox.'});
    expect((await errorOf(text.result)).message).toMatch(/the text received does not match the receipt’s hash/);
    await new Promise((r) => server!.close(r));
    const other = await ask({answered: (q) => ({...q, maxTokens: q.maxTokens + 1})});
    expect((await errorOf(other.result)).message).toMatch(/the receipt answers another request/);
    expect(await other.paid()).toBe(0n);
  });

  it('more thought tokens than completion tokens: refused; as many is paid, and the count reaches the result', async () => {
    const over = await ask({reasoningTokens: IDS.length + 1});
    expect((await errorOf(over.result)).message).toMatch(/more thought tokens than completion tokens/);
    expect(await over.paid()).toBe(0n);
    await new Promise((r) => server!.close(r));
    const all = await ask({reasoningTokens: IDS.length});
    const r = await all.result;
    expect(r.receipt.receipt.reasoningTokens).toBe(IDS.length);
    expect(await all.paid()).toBe(r.cost);
  });

  it('another model hash than the registered one: refused', async () => {
    const {result, paid} = await ask({modelHash: bytes('a smaller model', 32)});
    expect((await errorOf(result)).message).toMatch(/another model than the registered one/);
    expect(await paid()).toBe(0n);
  });

  it('another seed or top-k than requested: refused; a seed the provider chose is reported', async () => {
    const seedLie = await ask({sampling: (q) => ({temperature: 0.8, topP: 0.9, topK: 40, seed: (q.params.seed ?? 0) + 1})}, {temperature: 0.8, seed: 5});
    expect((await errorOf(seedLie.result)).message).toMatch(/another temperature or seed than requested/);
    await new Promise((r) => server!.close(r));
    const topKLie = await ask({sampling: () => ({temperature: 0.8, topP: 0.9, topK: 1, seed: 5})}, {temperature: 0.8, topK: 40, seed: 5});
    expect((await errorOf(topKLie.result)).message).toMatch(/another top-p or top-k than requested/);
    await new Promise((r) => server!.close(r));
    const chosen = await ask({sampling: () => ({temperature: 0.8, topP: 0.9, topK: 40, seed: 123456})}, {temperature: 0.8});
    expect((await chosen.result).sampling.seed).toBe(123456);
  });
});
