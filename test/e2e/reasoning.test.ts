// A reasoning model through a provider on the devnet, asked through the gateway
// with the openai npm client (docs/gateway.md "Reasoning models"). No reasoning model
// exists offline: the provider serves a tiny GGUF that really thinks (its weights make
// <think> its first token and never choose </think>; test/helpers/tiny-gguf.ts), so
// every </think> in these answers is the provider's thought budget at work.
import {Address} from '@ton/core';
import OpenAI from 'openai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AppContext} from '../../src/app/context.js';
import {Settings} from '../../src/config/settings.js';
import type {ChannelStore} from '../../src/consumer/channel-store.js';
import {startGateway, type Gateway} from '../../src/gateway/server.js';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {QWEN3_STYLE_TEMPLATE} from '../helpers/qwen3-template.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';

const MODEL = 'tiny-thinker';
// nanoGRAM per token: 1 and 100 GRAM per 1M tokens.
const PRICES = {prompt: 1000n, completion: 100_000n};
type Usage = OpenAI.CompletionUsage & {cost_nanoton: string; completion_tokens_details: {reasoning_tokens: number}};
type Delta = {content?: string | null; reasoning_content?: string};

let home: string;
let env: Record<string, string>;
let node: Background;
let provider: Address;
let gateway: Gateway;
let openai: OpenAI;
let store: ChannelStore;

async function ok(h: string, args: string[]) {
  const r = await runCli([...args, '--json'], {home: h, env, timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}
const paid = () => BigInt(store.get(provider.toRawString())?.paid ?? '0');
const cost = (u: Usage) => BigInt(u.prompt_tokens) * PRICES.prompt + BigInt(u.completion_tokens) * PRICES.completion;

beforeAll(async () => {
  home = tempHome();
  const gpu = tempHome();
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off'};
  await ok(home, ['devnet', 'start', '--detach']);
  await Promise.all([ok(home, ['wallet', 'create', 'me']), ok(gpu, ['wallet', 'create', 'gpu'])]);
  await ok(home, ['devnet', 'fund', 'me', '20']);
  await ok(gpu, ['devnet', 'fund', 'gpu', '5']);
  const model = writeTinyGguf({chatTemplate: QWEN3_STYLE_TEMPLATE, thinking: true});
  const reg = await ok(gpu, ['provide', 'register', '--model', model, '--model-name', MODEL, '--stake', '1', '--price-prompt', '1', '--price-completion', '100', '--port', String(await freePort()), '--yes']);
  provider = Address.parse(reg.record.owner);
  node = await startBackground(['provide', 'start', '--threads', '1', '--settle-interval', '1'], {home: gpu, env, ready: /serving \S+/});
  process.env.COCOON_HOME = home;
  process.env.COCOON_DEVNET_PORT = env.COCOON_DEVNET_PORT;
  const app = AppContext.open({settings: await Settings.open(), secrets: async () => 'pw', wallet: 'me'});
  store = app.channels;
  gateway = await startGateway({...(await app.chainAccess()), store, funding: await app.funding({mode: 'never', deposit: 1_000_000_000n}), port: 0, discoveryCacheMs: 2000});
  openai = new OpenAI({baseURL: `${gateway.url}/v1`, apiKey: 'loopback', maxRetries: 0});
}, 240_000);

afterAll(async () => {
  await gateway?.close();
  node?.child.kill('SIGKILL');
  if (home) await runCli(['devnet', 'stop'], {home, env});
});

describe('a reasoning model through a provider (tiny GGUF that thinks)', () => {
  const messages = [{role: 'user' as const, content: 'the cat sat on the mat'}];

  it('reasoning_effort low: thoughts in reasoning_content within a quarter of max_tokens, then the answer; thought tokens counted and paid as completion tokens', async () => {
    const before = paid();
    const r = await openai.chat.completions.create({model: MODEL, messages, max_tokens: 40, temperature: 0, reasoning_effort: 'low'});
    const message = r.choices[0]!.message as typeof r.choices[0]['message'] & {reasoning_content?: string};
    const usage = r.usage as Usage;
    expect(message.reasoning_content!.length).toBeGreaterThan(4);
    expect(message.content!.length).toBeGreaterThan(4);
    expect(message.content).not.toContain('think>');
    expect(usage.completion_tokens).toBe(40);
    expect(usage.completion_tokens_details.reasoning_tokens).toBe(10); // ⌊0.25 × 40⌋
    expect(BigInt(usage.cost_nanoton)).toBe(cost(usage));
    // What the consumer signed for this answer is exactly its receipt's cost.
    expect(paid() - before).toBe(BigInt(usage.cost_nanoton));
  });

  it('without a budget the model thinks to max_tokens: no answer, every completion token a thought token', async () => {
    const r = await openai.chat.completions.create({model: MODEL, messages, max_tokens: 24, temperature: 0});
    const message = r.choices[0]!.message as typeof r.choices[0]['message'] & {reasoning_content?: string};
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(message.content).toBe('');
    expect((r.usage as Usage).completion_tokens_details.reasoning_tokens).toBe(24);
  });

  it('streamed with an exact thinking_budget: reasoning deltas, then content deltas, and the usage chunk counts the thought; paid exactly', async () => {
    const before = paid();
    const stream = await openai.chat.completions.create({model: MODEL, messages, max_tokens: 40, temperature: 0.8, seed: 3, stream: true, stream_options: {include_usage: true}, thinking_budget: 7} as OpenAI.ChatCompletionCreateParamsStreaming);
    let reasoning = '';
    let content = '';
    let usage: Usage | undefined;
    const order: string[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as Delta | undefined;
      if (delta?.reasoning_content) (reasoning += delta.reasoning_content), order.push('r');
      if (delta?.content) (content += delta.content), order.push('c');
      if (chunk.usage) usage = chunk.usage as Usage;
    }
    expect(reasoning.length).toBeGreaterThan(0);
    expect(content.length).toBeGreaterThan(0);
    expect(order.join('')).toMatch(/^r+c+$/);
    expect(usage!.completion_tokens_details.reasoning_tokens).toBe(7);
    expect(paid() - before).toBe(BigInt(usage!.cost_nanoton));
    expect(BigInt(usage!.cost_nanoton)).toBe(cost(usage!));
  });

  it('cocoon ask --think-budget and cocoon chat /think: the budget reaches the provider, the thought count is shown', async () => {
    // --system makes it a chat query, rendered through the template (a plain prompt does not start a thought here).
    const ask = await runCli(['ask', '--model', MODEL, '--system', 'Be brief.', '--max-tokens', '30', '--temperature', '0', '--think-budget', '5', '--yes', '--json', 'the cat sat on the mat'], {home, env, timeoutMs: 120_000});
    expect(ask.code, ask.stderr).toBe(0);
    expect(ask.json.reasoningTokens).toBe(5);
    expect(ask.json.text).toMatch(/^<think>.*<\/think>/s);
    expect((await runCli(['ask', '--model', MODEL, '--think-budget', '-1', 'x'], {home, env, timeoutMs: 60_000})).code).not.toBe(0);
    // A piped chat: thoughts are left out of its output; the line after each answer counts them.
    const chat = await runCli(['chat', '--model', MODEL, '--max-tokens', '30', '--temperature', '0', '--yes'], {home, env, input: '/think 6\nthe cat sat on the mat\n/think off\nthe dog\n', timeoutMs: 120_000});
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stderr).toContain('Thoughts: at most 6 tokens per answer');
    expect(chat.stderr).toMatch(/30 completion tokens, 6 of them thought\)/);
    expect(chat.stderr).toMatch(/30 completion tokens, 30 of them thought\)/);
    expect(chat.stdout).not.toContain('think>');
    expect(chat.stdout.trim().length).toBeGreaterThan(0);
  });
});
