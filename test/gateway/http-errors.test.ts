// OpenAI-shaped refusals that come before any provider is asked: bad bodies,
// unsupported fields, authentication and addressing. These never reach the
// chain, so the gateway here has none behind it.
import {Address} from '@ton/core';
import OpenAI from 'openai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {ChainClient} from '../../src/chain/client.js';
import {ChannelStore} from '../../src/consumer/channel-store.js';
import {startGateway, type Gateway, type GatewayOptions} from '../../src/gateway/server.js';
import {tempHome} from '../helpers/home.js';

const KEY = 'sk-local-' + 'x'.repeat(20);
let open: Gateway;
let keyed: Gateway;

const base: GatewayOptions = {
  // Nothing in these tests may touch the chain: a call would fail the request with 500.
  client: {} as ChainClient,
  registry: new Address(0, Buffer.alloc(32)),
  store: new ChannelStore('devnet', tempHome()),
  funding: {openChannel: () => Promise.reject(new Error('not used')), onLowBalance: () => Promise.reject(new Error('not used'))},
  port: 0,
  maxBodyBytes: 64 * 1024,
};

beforeAll(async () => {
  open = await startGateway(base);
  keyed = await startGateway({...base, apiKey: KEY});
});
afterAll(async () => {
  await open.close();
  await keyed.close();
});

async function post(path: string, body: string, headers: Record<string, string> = {'content-type': 'application/json'}) {
  const res = await fetch(`${open.url}${path}`, {method: 'POST', headers, body});
  return {status: res.status, body: (await res.json()) as {error: Record<string, unknown>}};
}
const chat = (extra: object) => JSON.stringify({model: 'm', messages: [{role: 'user', content: 'hi'}], ...extra});

describe('gateway: refusals in OpenAI’s shape', () => {
  it('malformed JSON → 400 invalid_json', async () => {
    const r = await post('/v1/chat/completions', '{"model": "m", "messages": [');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({error: {message: expect.stringMatching(/could not parse the JSON body/), type: 'invalid_request_error', param: null, code: 'invalid_json'}});
  });

  it('a body over the limit → 413; a body that is not JSON → 415', async () => {
    const big = await post('/v1/completions', JSON.stringify({model: 'm', prompt: 'x'.repeat(200 * 1024)}));
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({type: 'invalid_request_error', code: 'request_too_large'});
    const form = await post('/v1/completions', 'model=m&prompt=hi', {'content-type': 'application/x-www-form-urlencoded'});
    expect(form.status).toBe(415);
  });

  it('missing and invalid fields → 400 naming the field', async () => {
    expect((await post('/v1/chat/completions', JSON.stringify({model: 'm'}))).body.error).toMatchObject({param: 'messages', code: 'missing_required_parameter'});
    expect((await post('/v1/chat/completions', chat({temperature: 3}))).body.error).toMatchObject({param: 'temperature', code: 'invalid_value'});
    expect((await post('/v1/chat/completions', '[1, 2]')).status).toBe(400);
    expect((await post('/v1/chat/completions', chat({cocoon: {max_price: 'cheap'}}))).body.error).toMatchObject({param: 'cocoon.max_price'});
    // Stop strings are supported, up to OpenAI's limit of four.
    expect((await post('/v1/chat/completions', chat({stop: ['a', 'b', 'c', 'd', 'e']}))).body.error).toMatchObject({param: 'stop', code: 'invalid_value'});
    // Thought budgets (docs/gateway.md): OpenAI's efforts and a whole number of tokens, nothing else.
    expect((await post('/v1/chat/completions', chat({reasoning_effort: 'extreme'}))).body.error).toMatchObject({param: 'reasoning_effort', code: 'invalid_value'});
    expect((await post('/v1/chat/completions', chat({thinking_budget: -1}))).body.error).toMatchObject({param: 'thinking_budget', code: 'invalid_value'});
    expect((await post('/v1/completions', JSON.stringify({model: 'm', prompt: 'x', reasoning_effort: 'low'}))).body.error).toMatchObject({param: 'reasoning_effort', code: 'unsupported_parameter'});
  });

  it.each([
    ['n', {n: 2}],
    ['functions', {functions: [{name: 'f', parameters: {}}]}],
    ['response_format', {response_format: {type: 'json_object'}, tools: [{type: 'function', function: {name: 'f'}}]}],
    ['response_format.type', {response_format: {type: 'grammar'}}],
    ['logprobs', {logprobs: true}],
    ['audio', {audio: {voice: 'alloy', format: 'mp3'}}],
    ['messages.0.content.1.type', {messages: [{role: 'user', content: [{type: 'text', text: 'see'}, {type: 'image_url', image_url: {url: 'http://x'}}]}]}],
    ['messages.0.role', {messages: [{role: 'function', content: 'x', name: 'f'}]}],
  ])('unsupported %s → 400 unsupported_parameter', async (param, extra) => {
    const r = await post('/v1/chat/completions', chat(extra));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({type: 'invalid_request_error', param, code: 'unsupported_parameter'});
  });

  const schemaOf = (schema: object) => ({response_format: {type: 'json_schema', json_schema: {name: 's', schema}}});
  const wide = {type: 'object', properties: Object.fromEntries(Array.from({length: 120}, (_, i) => [`field_${i}`, {type: 'string', description: 'x'.repeat(120)}]))};
  it.each([
    ['minimum', 'response_format.json_schema.schema.properties.age.minimum', 'unsupported_schema_feature', schemaOf({type: 'object', properties: {age: {type: 'integer', minimum: 0}}})],
    ['pattern', 'response_format.json_schema.schema.properties.name.pattern', 'unsupported_schema_feature', schemaOf({type: 'object', properties: {name: {type: 'string', pattern: '^a'}}})],
    ['allOf', 'response_format.json_schema.schema.allOf', 'unsupported_schema_feature', schemaOf({allOf: [{type: 'string'}]})],
    ['a remote $ref', 'response_format.json_schema.schema.items.$ref', 'unsupported_schema_feature', schemaOf({type: 'array', items: {$ref: 'https://example.com/s.json'}})],
    ['maxItems over the bound', 'response_format.json_schema.schema.maxItems', 'unsupported_schema_feature', schemaOf({type: 'array', items: {type: 'string'}, maxItems: 100_000})],
    ['a schema over 16 KiB', 'response_format.json_schema.schema', 'invalid_json_schema', schemaOf(wide)],
    ['an unknown type', 'response_format.json_schema.schema.type', 'invalid_json_schema', schemaOf({type: 'date'})],
    ['a tool parameter keyword', 'tools.0.function.parameters.properties.x.multipleOf', 'unsupported_schema_feature', {tools: [{type: 'function', function: {name: 'f', parameters: {type: 'object', properties: {x: {type: 'number', multipleOf: 2}}}}}]}],
    ['a named tool that is not there', 'tool_choice.function.name', 'invalid_value', {tools: [{type: 'function', function: {name: 'f'}}], tool_choice: {type: 'function', function: {name: 'g'}}}],
    ['tool_choice required without tools', 'tool_choice', 'invalid_value', {tool_choice: 'required'}],
    ['two tools of one name', 'tools.1.function.name', 'invalid_value', {tools: [{type: 'function', function: {name: 'f'}}, {type: 'function', function: {name: 'f'}}]}],
    ['a tool message without tool_call_id', 'messages.0.tool_call_id', 'missing_required_parameter', {messages: [{role: 'tool', content: 'x'}]}],
  ])('structured output and tools: %s → 400 naming it', async (_what, param, code, extra) => {
    const r = await post('/v1/chat/completions', chat(extra));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({type: 'invalid_request_error', param, code});
  });

  it('the openai client raises BadRequestError for them', async () => {
    const client = new OpenAI({baseURL: `${open.url}/v1`, apiKey: 'x', maxRetries: 0});
    const e = await client.completions.create({model: 'm', prompt: 'hi', echo: true}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('echo');
  });

  it('unknown URLs → 404, wrong methods → 405, a foreign Host → 403', async () => {
    expect((await fetch(`${open.url}/v1/images/generations`, {method: 'POST'})).status).toBe(404);
    expect((await fetch(`${open.url}/v1/chat/completions`)).status).toBe(405);
    expect((await fetch(`${open.url}/v1/embeddings`)).status).toBe(405);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own name.
    const {request} = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${open.url}/v1/models`, {headers: {host: 'evil.example'}}, (res) => resolve(res.statusCode!));
      req.on('error', reject).end();
    });
    expect(status).toBe(403);
  });

  it('with an API key: none or a wrong one → 401 invalid_api_key', async () => {
    const none = await fetch(`${keyed.url}/v1/models`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toEqual({error: {message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key'}});
    const wrong = await new OpenAI({baseURL: `${keyed.url}/v1`, apiKey: KEY + 'y', maxRetries: 0}).models.list().catch((x: unknown) => x);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    // The right key passes authentication (and reaches validation).
    const right = await fetch(`${keyed.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${KEY}`, 'content-type': 'application/json'}, body: '{}'});
    expect(right.status).toBe(400);
  });

  it('refuses to listen beyond loopback without a key', async () => {
    await expect(startGateway({...base, host: '0.0.0.0'})).rejects.toMatchObject({code: 'USAGE', message: expect.stringMatching(/without an API key/)});
    const exposed = await startGateway({...base, host: '0.0.0.0', apiKey: KEY});
    await exposed.close();
  });
});
