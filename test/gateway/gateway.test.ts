// The gateway against a real market: a devnet, a provider serving the test
// model, and a funded consumer wallet, spoken to with the official openai client.
import path from 'node:path';
import {Address, toNano} from '@ton/core';
import OpenAI from 'openai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Settings} from '../../src/config/settings.js';
import {ChannelStore} from '../../src/consumer/channel-store.js';
import {FundingPolicy} from '../../src/consumer/funding.js';
import {tempHome} from '../helpers/home.js';
import {startGateway, type Gateway, type GatewayOptions, type GatewayRequestEvent} from '../../src/gateway/server.js';
import {viewChannel} from '../../src/consumer/channels.js';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {startBackground} from '../helpers/process.js';
import {AppContext} from '../../src/app/context.js';
import {MODEL, PRICES, startMarket, type Market} from './setup.js';

let market: Market;
let options: GatewayOptions;
let gateway: Gateway;
let openai: OpenAI;
let store: ChannelStore;
let app: AppContext;
const events: GatewayRequestEvent[] = [];

const paid = () => BigInt(store.get(market.providers[0]!.address.toRawString())?.paid ?? '0');
const expectedCost = (u: {prompt_tokens: number; completion_tokens: number}) => BigInt(u.prompt_tokens) * PRICES.prompt + BigInt(u.completion_tokens) * PRICES.completion;
type CocoonUsage = OpenAI.CompletionUsage & {cost_ton: string; cost_nanoton: string};

beforeAll(async () => {
  market = await startMarket();
  // The in-process gateway reads the consumer's settings, wallets and channels like the CLI does.
  process.env.COCOON_HOME = market.home;
  process.env.COCOON_DEVNET_PORT = market.env.COCOON_DEVNET_PORT;
  app = AppContext.open({settings: await Settings.open(), secrets: async () => 'pw', wallet: 'me'});
  store = app.channels;
  options = {
    ...(await app.chainAccess()),
    store,
    funding: await app.funding({mode: 'never', deposit: 1_000_000_000n}),
    port: 0,
    discoveryCacheMs: 2000,
    onRequest: (e) => events.push(e),
  };
  gateway = await startGateway(options);
  openai = new OpenAI({baseURL: `${gateway.url}/v1`, apiKey: 'not-needed-on-loopback', maxRetries: 0});
}, 240_000);

afterAll(async () => {
  await gateway?.close();
  await market?.stop();
});

/** A gateway with a consumer store of its own, opening channels of 0.03 GRAM (less than one long request's worst case). */
async function smallChannelGateway(mode: 'never' | 'always'): Promise<{own: ChannelStore; gateway: Gateway}> {
  const own = new ChannelStore('devnet', path.join(tempHome(), 'channels'));
  const me = await app.sender('me');
  const funding = new FundingPolicy({client: options.client, store: own, mode, deposit: toNano('0.03'), closeDelay: 3600, wallet: async () => me});
  return {own, gateway: await startGateway({...options, store: own, funding, onRequest: undefined})};
}

describe('gateway: the OpenAI API backed by the network', () => {
  it('lists the network’s models with prices and provider counts', async () => {
    const models = [];
    for await (const m of openai.models.list()) models.push(m);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({id: MODEL, object: 'model', owned_by: 'cocoon'});
    expect((models[0] as unknown as {cocoon: object}).cocoon).toMatchObject({
      providers: 2,
      live_providers: 2,
      architectures: ['llama'],
      price_per_1m_tokens: {prompt: {min: '1', max: '1'}, completion: {min: '100', max: '200'}},
    });
    expect((await openai.models.retrieve(MODEL)).id).toBe(MODEL);
  });

  it('chat completion (not streamed): opens the channel, pays exactly the receipt, says so in headers and usage', async () => {
    const {data, response} = await openai.chat.completions
      .create({model: MODEL, messages: [{role: 'system', content: 'Tell a story.'}, {role: 'user', content: 'Once upon a time'}], max_tokens: 20, temperature: 0})
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message.role).toBe('assistant');
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(data.choices[0]!.finish_reason);
    const usage = data.usage as CocoonUsage;
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(BigInt(usage.cost_nanoton)).toBe(expectedCost(usage));
    expect(response.headers.get('x-cocoon-cost-nanoton')).toBe(usage.cost_nanoton);
    expect(response.headers.get('x-cocoon-cost-ton')).toBe(usage.cost_ton);
    expect(Address.parse(response.headers.get('x-cocoon-provider')!).equals(market.providers[0]!.address)).toBe(true);
    expect(paid()).toBe(BigInt(usage.cost_nanoton));
  });

  it('honours stop, top_p and seed: a stop string ends the text before it; one seed gives one text', async () => {
    const base = {model: MODEL, prompt: 'Once upon a time', max_tokens: 24, temperature: 0};
    const full = (await openai.completions.create(base)).choices[0]!.text;
    const words = full.trim().split(/\s+/);
    expect(words.length).toBeGreaterThan(3);
    const cut = (await openai.completions.create({...base, stop: [words[2]!]})).choices[0]!;
    expect(cut.text).not.toContain(words[2]!);
    expect(full.startsWith(cut.text)).toBe(true);
    const seeded = {...base, temperature: 1, top_p: 0.9, seed: 42};
    const a = (await openai.completions.create(seeded)).choices[0]!.text;
    const b = (await openai.completions.create(seeded)).choices[0]!.text;
    expect(a).toBe(b);
  });

  it("chat completion streamed: OpenAI's SSE exactly, usage last with include_usage, [DONE]", async () => {
    const before = paid();
    const stream = await openai.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'The cat'}], max_tokens: 20, stream: true, stream_options: {include_usage: true}});
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({role: 'assistant', content: ''});
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    const finish = chunks.at(-2)!;
    expect(['stop', 'length']).toContain(finish.choices[0]!.finish_reason);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const usage = last.usage as CocoonUsage;
    expect(BigInt(usage.cost_nanoton)).toBe(expectedCost(usage));
    expect(paid() - before).toBe(BigInt(usage.cost_nanoton));

    // The wire itself: `data: {json}\n\n` events, no usage chunk unless asked, `data: [DONE]` last.
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({model: MODEL, messages: [{role: 'user', content: 'The dog'}], max_tokens: 10, stream: true}),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(Address.parse(res.headers.get('x-cocoon-provider')!).equals(market.providers[0]!.address)).toBe(true);
    const wire = await res.text();
    expect(wire).toMatch(/^(data: \{.*\}\n\n)+data: \[DONE\]\n\n$/);
    const events = wire.split('\n\n').filter(Boolean).slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)));
    expect(events.some((e) => 'usage' in e)).toBe(false);
    expect(events.at(-1).cocoon.cost_ton).toMatch(/^\d/);
  });

  it('completions, streamed and not', async () => {
    const {data, response} = await openai.completions.create({model: MODEL, prompt: 'Once upon a time', max_tokens: 12}).withResponse();
    expect(data.object).toBe('text_completion');
    expect(data.choices[0]!.text.length).toBeGreaterThan(0);
    expect(BigInt(response.headers.get('x-cocoon-cost-nanoton')!)).toBe(expectedCost(data.usage!));
    const stream = await openai.completions.create({model: MODEL, prompt: 'Once upon a time', max_tokens: 12, stream: true, stream_options: {include_usage: true}});
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('eight concurrent requests are all answered, one at a time on the channel, and paid exactly', async () => {
    const before = paid();
    const answers = await Promise.all(
      Array.from({length: 8}, (_, i) =>
        i % 2 === 0
          ? openai.chat.completions.create({model: MODEL, messages: [{role: 'user', content: `Story number ${i}`}], max_tokens: 12})
          : openai.completions.create({model: MODEL, prompt: `Story number ${i}`, max_tokens: 12}),
      ),
    );
    const costs = answers.map((a) => BigInt((a.usage as CocoonUsage).cost_nanoton));
    expect(costs.every((c) => c > 0n)).toBe(true);
    expect(paid() - before).toBe(costs.reduce((a, b) => a + b));
  });

  it('unknown model → 404 model_not_found; no provider within max_price → 404; too little in the channel → 402 insufficient_quota', async () => {
    const missing = await openai.chat.completions.create({model: 'gpt-4o', messages: [{role: 'user', content: 'hi'}]}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({message: expect.stringMatching(/gpt-4o/), type: 'invalid_request_error', param: 'model', code: 'model_not_found'});
    const cheap = await openai.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'hi'}], cocoon: {max_price: '50'}} as never).catch((e: unknown) => e);
    expect((cheap as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
    expect((cheap as InstanceType<typeof OpenAI.APIError>).code).toBe('no_matching_provider');
    // A consumer of its own whose channel holds 0.03 GRAM: one request's worst case (400 prompt bytes at 1,000 nano a
    // token, up to a context of completion tokens at 100,000) is more, and without --auto-topup that is a 402 before anything is sent.
    const {own, gateway: poorGateway} = await smallChannelGateway('never');
    try {
      const client = new OpenAI({baseURL: `${poorGateway.url}/v1`, apiKey: 'x', maxRetries: 0});
      const poor = await client.completions.create({model: MODEL, prompt: 'a '.repeat(200), max_tokens: 3000}).catch((e: unknown) => e);
      expect((poor as InstanceType<typeof OpenAI.APIError>).status, String((poor as Error).message)).toBe(402);
      expect((poor as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({type: 'insufficient_quota', code: 'insufficient_quota'});
      expect(BigInt(own.list()[0]!.paid)).toBe(0n);
    } finally {
      await poorGateway.close();
    }
  });

  it('a client that disconnects mid-stream stops the answer and pays exactly what was sent; the next request goes through', async () => {
    const before = paid();
    const seen = events.length;
    const abort = new AbortController();
    const res = await fetch(`${gateway.url}/v1/completions`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({model: MODEL, prompt: 'Once upon a time', max_tokens: 3000, temperature: 1, stream: true}),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    abort.abort();
    // The gateway asked the provider to end the answer and paid its receipt: the request is logged with its cost, and no error.
    const mine = () => events.slice(seen).find((e) => e.path === '/v1/completions');
    await expect.poll(mine, {timeout: 15_000}).toBeTruthy();
    const stopped = mine()!;
    expect(stopped.error).toBeUndefined();
    expect(stopped.cost).toBeGreaterThan(0n);
    // Far less than 3,000 tokens' worth: the answer stopped when the client left.
    expect(stopped.cost).toBeLessThan(3000n * 100_000n);
    await expect.poll(() => paid() - before, {timeout: 5_000}).toBe(stopped.cost);
    const next = await openai.completions.create({model: MODEL, prompt: 'The end', max_tokens: 5});
    await expect.poll(() => paid() - before, {timeout: 5_000}).toBe(stopped.cost! + BigInt((next.usage as CocoonUsage).cost_nanoton));
  });

  it('refuses max_tokens beyond every provider’s limit before any money moves', async () => {
    const record = store.get(market.providers[0]!.address.toRawString())!;
    const before = await viewChannel(options.client, record);
    const answer = await openai.completions.create({model: MODEL, prompt: 'hi', max_tokens: 20_000}).catch((e: unknown) => e);
    expect((answer as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((answer as Error).message).toMatch(/20000 completion tokens is more than any matching provider takes/);
    expect((await viewChannel(options.client, record)).deposited).toBe(before.deposited);
  });

  it('refuses a prompt over every provider’s byte bound before any money moves, even with --auto-topup', async () => {
    const topping = await startGateway({...options, funding: await app.funding({mode: 'always', deposit: 1_000_000_000n}), onRequest: undefined});
    try {
      const record = store.get(market.providers[0]!.address.toRawString())!;
      const before = await viewChannel(options.client, record);
      const client = new OpenAI({baseURL: `${topping.url}/v1`, apiKey: 'x', maxRetries: 0});
      // 1 MB is far beyond the providers' /v1/info limits.maxPromptBytes (context × 16 bytes): no top-up, no query.
      const answer = await client.completions.create({model: MODEL, prompt: 'a '.repeat(500_000), max_tokens: 4000}).catch((e: unknown) => e);
      expect((answer as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
      expect((answer as Error).message).toMatch(/The prompt is 1000000 bytes of UTF-8; the matching providers take at most \d+/);
      expect((await viewChannel(options.client, record)).deposited).toBe(before.deposited);
    } finally {
      await topping.close();
    }
  });

  it('--auto-topup tops up a channel too low for a request instead of refusing it', async () => {
    // A consumer of its own (another channel to the same provider) with a small deposit, so the worst case of one
    // request (400 prompt bytes at 1,000 nano a token, up to a context of completion tokens at 100,000) is more than it holds.
    const {own, gateway: topping} = await smallChannelGateway('always');
    try {
      const client = new OpenAI({baseURL: `${topping.url}/v1`, apiKey: 'x', maxRetries: 0});
      // Within the byte bound and the context: answered once the channel is topped up by what it needs.
      const answer = await client.completions.create({model: MODEL, prompt: 'a '.repeat(200), max_tokens: 4000});
      expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
      const record = own.list()[0]!;
      const after = await viewChannel(options.client, record);
      // Opened with 0.03 GRAM, then topped up by what the request needs (over 0.05): far more than the opening deposit.
      expect(after.deposited).toBeGreaterThan(toNano('0.07'));
    } finally {
      await topping.close();
    }
  });

  it('`cocoon gateway` serves the API, asks for the key from the environment, never logs it, and stops on SIGINT', async () => {
    const refused = await runCli(['gateway', '--host', '0.0.0.0'], {home: market.home, env: market.env});
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/without an API key[\s\S]*COCOON_GATEWAY_API_KEY/);
    expect((await runCli(['gateway', '--require-key'], {home: market.home, env: market.env})).code).toBe(2);
    const key = 'sk-test-' + 'k'.repeat(24);
    const port = await freePort();
    const cli = await startBackground(['gateway', '--port', String(port)], {home: market.home, env: {...market.env, COCOON_GATEWAY_API_KEY: key}, ready: /gateway listening on/});
    try {
      const base = `http://127.0.0.1:${port}/v1`;
      const anonymous = await new OpenAI({baseURL: base, apiKey: 'wrong', maxRetries: 0}).models.list().catch((e: unknown) => e);
      expect(anonymous).toBeInstanceOf(OpenAI.AuthenticationError);
      const noKey = await fetch(`${base}/models`);
      expect(noKey.status).toBe(401);
      expect(await noKey.json()).toEqual({error: {message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key'}});
      const client = new OpenAI({baseURL: base, apiKey: key, maxRetries: 0});
      const answer = await client.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'Hello'}], max_tokens: 8});
      expect(answer.choices[0]!.message.content!.length).toBeGreaterThan(0);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/POST \/v1\/chat\/completions 200 \d+ms stories by \S+: [\d.]+ GRAM/);
      expect(cli.output()).toMatch(/stopped/);
      expect(cli.output()).not.toContain(key);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('a provider that is down is replaced by the next one (which gets its own channel)', async () => {
    const [cheap, dear] = market.providers;
    cheap!.node.child.kill('SIGKILL');
    await cheap!.node.exited;
    const {data, response} = await openai.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'The dog'}], max_tokens: 10}).withResponse();
    expect(Address.parse(response.headers.get('x-cocoon-provider')!).equals(dear!.address)).toBe(true);
    const usage = data.usage as CocoonUsage;
    expect(BigInt(usage.cost_nanoton)).toBe(BigInt(usage.prompt_tokens) * PRICES.prompt + BigInt(usage.completion_tokens) * 2n * PRICES.completion);
    expect(store.get(dear!.address.toRawString())!.paid).toBe(usage.cost_nanoton);
  });
});
