// Embeddings end to end on the devnet: an embedding node (registry kind 1)
// beside two chat nodes of the same model name, reached through the gateway
// with clients we did not write (the openai npm client, the Vercel AI SDK)
// and through `cocoon embed`. Vectors have the model's dimension, chat and
// embeddings never reach each other's nodes, and each answer is paid exactly.
import {createOpenAICompatible} from '@ai-sdk/openai-compatible';
import {embed, embedMany, generateText} from 'ai';
import {readGgufFileInfo} from 'node-llama-cpp';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AppContext} from '../../src/app/context.js';
import {Settings} from '../../src/config/settings.js';
import {formatAddress} from '../../src/chain/wallet-contract.js';
import type {ChannelStore} from '../../src/consumer/channel-store.js';
import {startGateway, type Gateway} from '../../src/gateway/server.js';
import {runCli} from '../helpers/cli.js';
import {testModel} from '../inference/model.js';
import {EMBED_PRICE, MODEL, startMarket, type Market} from './setup.js';

let market: Market;
let gateway: Gateway;
let openai: OpenAI;
let store: ChannelStore;
let dimensions: number;

const embedder = () => market.providers[2]!.address;
const paidTo = (a = embedder()) => BigInt(store.get(a.toRawString())?.paid ?? '0');
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
type CocoonEmbeddingUsage = {prompt_tokens: number; total_tokens: number; cost_nanoton: string};

beforeAll(async () => {
  market = await startMarket({embeddings: true});
  process.env.COCOON_HOME = market.home;
  process.env.COCOON_DEVNET_PORT = market.env.COCOON_DEVNET_PORT;
  const app = AppContext.open({settings: await Settings.open(), secrets: async () => 'pw', wallet: 'me'});
  store = app.channels;
  gateway = await startGateway({...(await app.chainAccess()), store, funding: await app.funding({mode: 'always', deposit: 1_000_000_000n}), port: 0, discoveryCacheMs: 2000});
  openai = new OpenAI({baseURL: `${gateway.url}/v1`, apiKey: 'loopback', maxRetries: 0});
  const info = await readGgufFileInfo(testModel(), {readTensorInfo: false});
  dimensions = (info.metadata as unknown as {llama: {embedding_length: number}}).llama.embedding_length;
}, 300_000);

afterAll(async () => {
  await gateway?.close();
  await market?.stop();
});

describe('/v1/embeddings with the openai client', () => {
  it('returns one unit vector of the model’s dimension per text (base64, as the client asks), paid exactly per input token', async () => {
    const before = paidTo();
    const r = await openai.embeddings.create({model: MODEL, input: ['a cat on a mat', 'a dog in the fog', 'a cat on a mat']});
    expect(r.object).toBe('list');
    expect(r.model).toBe(MODEL);
    expect(r.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const d of r.data) {
      expect(d.object).toBe('embedding');
      expect(d.embedding).toHaveLength(dimensions);
      expect(norm(d.embedding)).toBeCloseTo(1, 4);
    }
    expect(r.data[2]!.embedding).toEqual(r.data[0]!.embedding);
    expect(r.data[1]!.embedding).not.toEqual(r.data[0]!.embedding);
    const usage = r.usage as unknown as CocoonEmbeddingUsage;
    expect(usage.total_tokens).toBe(usage.prompt_tokens);
    expect(usage.prompt_tokens).toBeGreaterThanOrEqual(3 * 4);
    expect(BigInt(usage.cost_nanoton)).toBe(BigInt(usage.prompt_tokens) * EMBED_PRICE.nano);
    expect(paidTo() - before).toBe(BigInt(usage.cost_nanoton));
    // The floats, asked for as such, are the same vectors.
    const floats = await openai.embeddings.create({model: MODEL, input: 'a cat on a mat', encoding_format: 'float'});
    expect(floats.data[0]!.embedding).toEqual(r.data[0]!.embedding);
  });

  it('texts that do not fit one request body go in several paid queries to one node: every vector in order, paid exactly', async () => {
    // Past the node's request body bound (stories260K: a 2,048-token context, so 256 KiB).
    const texts = Array.from({length: 2000}, (_, i) => `Story ${i}: once upon a time a little cat found a red ball in the park and ran home to tell her mother all about the ball, the park and the big tree.`);
    expect(texts.reduce((n, t) => n + t.length + 3, 0)).toBeGreaterThan(300_000);
    const before = paidTo();
    const r = await openai.embeddings.create({model: MODEL, input: texts, encoding_format: 'float'});
    expect(r.data).toHaveLength(texts.length);
    expect(r.data.map((d) => d.index)).toEqual(texts.map((_, i) => i));
    const cocoon = (r as unknown as {cocoon: {queries: number}}).cocoon;
    expect(cocoon.queries).toBeGreaterThanOrEqual(2);
    // In order: the first and last texts alone give the same vectors.
    const ends = await openai.embeddings.create({model: MODEL, input: [texts[0]!, texts.at(-1)!], encoding_format: 'float'});
    expect(r.data[0]!.embedding).toEqual(ends.data[0]!.embedding);
    expect(r.data.at(-1)!.embedding).toEqual(ends.data[1]!.embedding);
    const usage = r.usage as unknown as CocoonEmbeddingUsage;
    const endsUsage = ends.usage as unknown as CocoonEmbeddingUsage;
    expect(BigInt(usage.cost_nanoton)).toBe(BigInt(usage.prompt_tokens) * EMBED_PRICE.nano);
    expect(paidTo() - before).toBe(BigInt(usage.cost_nanoton) + BigInt(endsUsage.cost_nanoton));
  }, 120_000);

  it('chat goes to the chat nodes and embeddings to the embedding node, under one model name; /v1/models lists both kinds', async () => {
    const chat = await openai.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'Hi'}], max_tokens: 4}).withResponse();
    expect(chat.response.headers.get('x-cocoon-provider')).not.toBe(formatAddress(embedder(), 'devnet'));
    const emb = await openai.embeddings.create({model: MODEL, input: 'Hi'}).withResponse();
    expect(emb.response.headers.get('x-cocoon-provider')).toBe(formatAddress(embedder(), 'devnet'));
    const models = await openai.models.list();
    const entry = models.data.find((m) => m.id === MODEL) as unknown as {cocoon: {kinds: string[]; providers: number}};
    expect(entry.cocoon.kinds).toEqual(['chat', 'embeddings']);
    expect(entry.cocoon.providers).toBe(3);
    expect(market.providers[2]!.node.output()).toMatch(new RegExp(`serving embeddings of ${MODEL} \\(${dimensions} dimensions`));
  });

  it('refuses token arrays, empty texts, another dimension and a model with no embedding node, in OpenAI’s shape; nothing is paid', async () => {
    const before = paidTo();
    const refusal = (p: Promise<unknown>) => p.then(() => ({status: 200}), (e: {status?: number; error?: {param?: string}; message: string}) => ({status: e.status, param: e.error?.param, message: e.message}));
    expect(await refusal(openai.embeddings.create({model: MODEL, input: [[1, 2, 3]]}))).toMatchObject({status: 400, param: 'input'});
    expect(await refusal(openai.embeddings.create({model: MODEL, input: ['a', '']}))).toMatchObject({status: 400, param: 'input.1'});
    expect(await refusal(openai.embeddings.create({model: MODEL, input: 'a', dimensions: dimensions + 1}))).toMatchObject({status: 400, param: 'dimensions', message: expect.stringMatching(new RegExp(`${dimensions} dimensions`))});
    expect(await refusal(openai.embeddings.create({model: 'no-such-model', input: 'a'}))).toMatchObject({status: 404, param: 'model'});
    expect(await refusal(openai.embeddings.create({model: MODEL, input: 'a', cocoon: {max_price: '0.001'}} as never))).toMatchObject({status: 404, message: expect.stringMatching(/within the given limits/)});
    expect(paidTo()).toBe(before);
  });
});

describe('embeddings with the Vercel AI SDK', () => {
  it('embed and embedMany return vectors of the model’s dimension, in order', async () => {
    const provider = createOpenAICompatible({name: 'cocoon', baseURL: `${gateway.url}/v1`, apiKey: 'loopback'});
    const model = provider.embeddingModel(MODEL);
    const one = await embed({model, value: 'a cat on a mat', maxRetries: 0});
    expect(one.embedding).toHaveLength(dimensions);
    const many = await embedMany({model, values: ['a dog in the fog', 'a cat on a mat'], maxRetries: 0});
    expect(many.embeddings).toHaveLength(2);
    expect(many.embeddings[1]).toEqual(one.embedding);
    expect(many.usage.tokens).toBeGreaterThan(0);
    // The same SDK's chat still reaches a chat node.
    const text = await generateText({model: provider.chatModel(MODEL), prompt: 'Hi', maxOutputTokens: 4, maxRetries: 0});
    expect(text.usage.outputTokens).toBeGreaterThan(0);
  });
});

describe('cocoon embed', () => {
  it('embeds arguments and piped lines, --json, paid from the embedding node’s channel; refuses a missing --model', async () => {
    const before = paidTo();
    const r = await runCli(['embed', '--model', MODEL, 'a cat on a mat', 'a dog in the fog', '--json'], {home: market.home, env: market.env});
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.dimensions).toBe(dimensions);
    expect(r.json.vectors).toHaveLength(2);
    expect(r.json.vectors[0]).toHaveLength(dimensions);
    expect(BigInt(r.json.costNano)).toBe(BigInt(r.json.usage.promptTokens) * EMBED_PRICE.nano);
    expect(paidTo() - before).toBe(BigInt(r.json.costNano));
    const piped = await runCli(['embed', '--model', MODEL, '--lines', '--json'], {home: market.home, env: market.env, input: 'a cat on a mat\n\na dog in the fog\n'});
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.json.vectors).toEqual(r.json.vectors);
    const human = await runCli(['embed', '--model', MODEL, 'a cat'], {home: market.home, env: market.env});
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^0  \\[.+, …\\] ×${dimensions}  "a cat"`, 'm'));
    expect(human.stderr).toMatch(/1 vector of \d+ from stories by .+ GRAM \(\d+ input tokens\)/);
    const missing = await runCli(['embed', 'a cat'], {home: market.home, env: market.env});
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/Missing required flag model/);
  });

  it('audit run audits the embedding node by re-embedding its answers, and audit verify re-checks the bundle', async () => {
    const out = path.join(market.home, 'embed-audit.json');
    const owner = formatAddress(embedder(), 'devnet');
    const run = await runCli(['audit', 'run', '--provider', owner, '--challenges', '3', '--model-file', testModel(), '--out', out, '--yes', '--json'], {home: market.home, env: market.env});
    expect(run.code, run.stderr).toBe(0);
    expect(run.json.providers).toHaveLength(1);
    expect(run.json.providers[0]).toMatchObject({verdict: 'passed', challenges: 3, failures: 0, provider: owner});
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).kind).toBe('cocoon-embedding-evidence');
    const verify = await runCli(['audit', 'verify', out, '--model', testModel(), '--json'], {home: market.home, env: market.env});
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.json).toMatchObject({ok: true, problems: [], recomputed: {challenges: 3, failures: 0}});
  });

  it('providers list shows the embedding node as such', async () => {
    const r = await runCli(['providers', 'list', '--json'], {home: market.home, env: market.env});
    expect(r.code, r.stderr).toBe(0);
    const kinds = (r.json.providers as Array<{kind: string}>).map((p) => p.kind).sort();
    expect(kinds).toEqual(['chat', 'chat', 'embeddings']);
  });
});
