// Structured output and tool calling through the gateway, against real
// providers on the devnet, with two clients we did not write: the openai npm
// client and the Vercel AI SDK. The test model writes nonsense, but the
// provider's grammar makes the structure valid: the tests assert structure
// and payment, never content.
import {createOpenAICompatible} from '@ai-sdk/openai-compatible';
import {generateObject, generateText, streamText, tool} from 'ai';
import OpenAI from 'openai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod/v4';
import {AppContext} from '../../src/app/context.js';
import {Settings} from '../../src/config/settings.js';
import type {ChannelStore} from '../../src/consumer/channel-store.js';
import {startGateway, type Gateway} from '../../src/gateway/server.js';
import {MODEL, PRICES, startMarket, type Market} from './setup.js';

let market: Market;
let gateway: Gateway;
let openai: OpenAI;
let store: ChannelStore;

type CocoonUsage = OpenAI.CompletionUsage & {cost_nanoton: string};
const paid = () => BigInt(store.get(market.providers[0]!.address.toRawString())?.paid ?? '0');
const expectedCost = (u: {prompt_tokens: number; completion_tokens: number}) => BigInt(u.prompt_tokens) * PRICES.prompt + BigInt(u.completion_tokens) * PRICES.completion;

// Bounded strings keep the model's answers short enough to finish within max_tokens.
const Pet = z.object({name: z.string().max(24), legs: z.number().int(), kind: z.enum(['cat', 'dog', 'bird']), friends: z.array(z.string().max(12)).max(3)}).strict();
const Weather = z.object({city: z.string().max(20), unit: z.enum(['celsius', 'fahrenheit'])}).strict();
const Search = z.object({query: z.string().max(20)}).strict();
const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema) as Record<string, unknown>;
const weatherTool = {type: 'function' as const, function: {name: 'get_weather', description: 'The weather in a city.', parameters: jsonSchema(Weather)}};
const searchTool = {type: 'function' as const, function: {name: 'search', description: 'Search the web.', parameters: jsonSchema(Search)}};
const ARGS: Record<string, z.ZodType> = {get_weather: Weather, search: Search};

beforeAll(async () => {
  market = await startMarket();
  process.env.COCOON_HOME = market.home;
  process.env.COCOON_DEVNET_PORT = market.env.COCOON_DEVNET_PORT;
  const app = AppContext.open({settings: await Settings.open(), secrets: async () => 'pw', wallet: 'me'});
  store = app.channels;
  gateway = await startGateway({...(await app.chainAccess()), store, funding: await app.funding({mode: 'never', deposit: 1_000_000_000n}), port: 0, discoveryCacheMs: 2000});
  openai = new OpenAI({baseURL: `${gateway.url}/v1`, apiKey: 'loopback', maxRetries: 0});
}, 240_000);

afterAll(async () => {
  await gateway?.close();
  await market?.stop();
});

describe('structured output (response_format), openai client', () => {
  it('json_schema: the content parses and validates against the schema, and is paid exactly like text', async () => {
    for (const temperature of [0, 1]) {
      const before = paid();
      const r = await openai.chat.completions.create({
        model: MODEL,
        messages: [{role: 'user', content: 'Describe a pet.'}],
        max_tokens: 200,
        temperature,
        response_format: {type: 'json_schema', json_schema: {name: 'pet', strict: true, schema: jsonSchema(Pet)}},
      });
      expect(r.choices[0]!.finish_reason).toBe('stop');
      const pet = Pet.parse(JSON.parse(r.choices[0]!.message.content!));
      expect(Object.keys(pet)).toEqual(['name', 'legs', 'kind', 'friends']);
      const usage = r.usage as CocoonUsage;
      expect(BigInt(usage.cost_nanoton)).toBe(expectedCost(usage));
      expect(paid() - before).toBe(BigInt(usage.cost_nanoton));
    }
  });

  it('json_object: the content is a JSON object; streamed, the chunks reassemble into one', async () => {
    const r = await openai.chat.completions.create({model: MODEL, messages: [{role: 'user', content: 'A story as JSON.'}], max_tokens: 120, temperature: 1, seed: 7, response_format: {type: 'json_object'}});
    const value = JSON.parse(r.choices[0]!.message.content!);
    expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);

    const before = paid();
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{role: 'user', content: 'Describe a pet.'}],
      max_tokens: 200,
      stream: true,
      stream_options: {include_usage: true},
      response_format: {type: 'json_schema', json_schema: {name: 'pet', schema: jsonSchema(Pet)}},
    });
    let text = '';
    let pieces = 0;
    let usage: CocoonUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) (text += chunk.choices[0].delta.content), pieces++;
      usage = (chunk.usage as CocoonUsage | null) ?? usage;
    }
    expect(pieces).toBeGreaterThan(1);
    Pet.parse(JSON.parse(text));
    expect(paid() - before).toBe(BigInt(usage!.cost_nanoton));
    expect(BigInt(usage!.cost_nanoton)).toBe(expectedCost(usage!));
  });

  it('a json_schema on /v1/completions too', async () => {
    const r = await openai.completions.create({model: MODEL, prompt: 'Once upon a time', max_tokens: 200, response_format: {type: 'json_schema', json_schema: {name: 'pet', schema: jsonSchema(Pet)}}} as never);
    Pet.parse(JSON.parse((r as OpenAI.Completion).choices[0]!.text));
  });
});

describe('tool calling, openai client', () => {
  it('a named tool_choice forces that call: valid arguments, an id, finish tool_calls, paid exactly', async () => {
    const before = paid();
    const r = await openai.chat.completions.create({
      model: MODEL,
      messages: [{role: 'user', content: 'What is the weather in Paris?'}],
      tools: [weatherTool, searchTool],
      tool_choice: {type: 'function', function: {name: 'get_weather'}},
      parallel_tool_calls: false,
      max_tokens: 150,
      temperature: 0,
    });
    const choice = r.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call).toMatchObject({type: 'function', id: expect.stringMatching(/^call_[0-9a-f]{24}$/), function: {name: 'get_weather'}});
    Weather.parse(JSON.parse(call.function.arguments));
    const usage = r.usage as CocoonUsage;
    expect(BigInt(usage.cost_nanoton)).toBe(expectedCost(usage));
    expect(paid() - before).toBe(BigInt(usage.cost_nanoton));
  });

  it('required with two tools: every call names one of them with valid arguments; streamed deltas reassemble', async () => {
    const request = {model: MODEL, messages: [{role: 'user' as const, content: 'Look something up.'}], tools: [weatherTool, searchTool], tool_choice: 'required' as const, max_tokens: 600, temperature: 1, seed: 3};
    const whole = await openai.chat.completions.create(request);
    const calls = whole.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const c of calls) ARGS[c.function.name]!.parse(JSON.parse(c.function.arguments));

    const before = paid();
    const stream = await openai.chat.completions.create({...request, stream: true, stream_options: {include_usage: true}});
    const built = new Map<number, {id?: string; name?: string; args: string; deltas: number}>();
    let finish: string | null | undefined;
    let usage: CocoonUsage | undefined;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
        const entry = built.get(d.index) ?? {args: '', deltas: 0};
        entry.id ??= d.id;
        entry.name ??= d.function?.name;
        entry.args += d.function?.arguments ?? '';
        entry.deltas++;
        built.set(d.index, entry);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = (chunk.usage as CocoonUsage | null) ?? usage;
    }
    expect(finish).toBe('tool_calls');
    expect(built.size).toBeGreaterThanOrEqual(1);
    for (const c of built.values()) {
      expect(c.id).toMatch(/^call_/);
      ARGS[c.name!]!.parse(JSON.parse(c.args));
      expect(c.deltas).toBeGreaterThan(1);
    }
    expect(paid() - before).toBe(BigInt(usage!.cost_nanoton));
  });

  it('a tool result in the history is answered; tool_choice none gives text', async () => {
    const history: OpenAI.ChatCompletionMessageParam[] = [
      {role: 'user', content: 'What is the weather in Paris?'},
      {role: 'assistant', content: null, tool_calls: [{id: 'call_1', type: 'function', function: {name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}'}}]},
      {role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 21}'},
    ];
    const auto = await openai.chat.completions.create({model: MODEL, messages: history, tools: [weatherTool], max_tokens: 150, temperature: 0});
    const m = auto.choices[0]!.message;
    // auto: either more calls or a text answer, never both, always well formed.
    if (m.tool_calls?.length) Weather.parse(JSON.parse((m.tool_calls[0] as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments));
    else expect(typeof m.content).toBe('string');
    const none = await openai.chat.completions.create({model: MODEL, messages: history, tools: [weatherTool], tool_choice: 'none', max_tokens: 20});
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
    expect(none.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });
});

describe('the Vercel AI SDK (ai 6, @ai-sdk/openai-compatible)', () => {
  const provider = () => createOpenAICompatible({name: 'cocoon', baseURL: `${gateway.url}/v1`, supportsStructuredOutputs: true, includeUsage: true});

  it('generateObject returns an object that validates against its schema', async () => {
    const {object, usage} = await generateObject({model: provider()(MODEL), schema: Pet, prompt: 'Describe a pet.', maxOutputTokens: 200, temperature: 0.8});
    expect(Pet.parse(object)).toEqual(object);
    expect(usage.outputTokens).toBeGreaterThan(0);
  });

  it('generateText with a forced tool returns a call with valid input; streamText streams one', async () => {
    const tools = {get_weather: tool({description: 'The weather in a city.', inputSchema: Weather}), search: tool({description: 'Search the web.', inputSchema: Search})};
    const r = await generateText({model: provider()(MODEL), tools, toolChoice: {type: 'tool', toolName: 'search'}, prompt: 'Find cats.', maxOutputTokens: 150, temperature: 0});
    expect(r.finishReason).toBe('tool-calls');
    expect(r.toolCalls.length).toBeGreaterThanOrEqual(1);
    expect(r.toolCalls[0]!.toolName).toBe('search');
    Search.parse(r.toolCalls[0]!.input);

    const s = streamText({model: provider()(MODEL), tools, toolChoice: 'required', prompt: 'Weather?', maxOutputTokens: 600, temperature: 1, seed: 5});
    const calls = await s.toolCalls;
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const c of calls) ARGS[c.toolName]!.parse(c.input);
    expect(await s.finishReason).toBe('tool-calls');
  });
});
