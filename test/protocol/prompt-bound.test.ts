import {afterEach, describe, expect, it} from 'vitest';
import type {GenerateRequest, PreparedPrompt} from '../../src/inference/types.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {CHANNEL, MAX_PRICE, errorOf, startRig, type Rig} from './setup.js';

/**
 * The null engine with a 512-token context that records every tokenizer call:
 * the UTF-8 size of each input it is asked to count or prepare (the provider
 * tokenises through prepare(), docs/protocol.md §10.2), and every generation.
 */
class CountingEngine extends NullEngine {
  readonly counted: number[] = [];
  readonly generated: GenerateRequest[] = [];
  constructor() {
    super({contextSize: 512, tokens: 3});
  }
  override async countTokens(text: string): Promise<number> {
    this.counted.push(Buffer.byteLength(text));
    return super.countTokens(text);
  }
  override async prepare(request: Pick<GenerateRequest, 'prompt' | 'messages'>): Promise<PreparedPrompt> {
    this.counted.push(Buffer.byteLength(NullEngine.input(request)));
    return super.prepare(request);
  }
  override generate(request: GenerateRequest, prepared?: PreparedPrompt) {
    this.generated.push(request);
    return super.generate(request, prepared);
  }
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('prompt byte bound', () => {
  const bound = 512 * 16;

  it('refuses a prompt over contextSize × 16 bytes with INVALID_QUERY, and the tokenizer is never called', async () => {
    const engine = new CountingEngine();
    rig = await startRig({engine});
    const client = rig.client();
    const err = await errorOf(client.query({model: 'null', prompt: 'word '.repeat(bound / 5 + 1), maxTokens: 3, maxPrice: MAX_PRICE}).result());
    expect(err).toMatchObject({code: 'INVALID_INPUT', wire: 'INVALID_QUERY'});
    expect(err.message).toContain(`at most ${bound}`);
    // Multi-byte text is measured in UTF-8 bytes, not characters; messages count role and content.
    const wide = await errorOf(client.query({model: 'null', messages: [{role: 'user', content: 'é'.repeat(bound / 2)}], maxTokens: 3, maxPrice: MAX_PRICE}).result());
    expect(wide).toMatchObject({wire: 'INVALID_QUERY'});
    expect(engine.counted).toEqual([]);
    expect(engine.tokenizeCalls).toBe(0);
    expect(engine.generated).toEqual([]);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toBeUndefined();
  });

  it('serves a prompt at the bound', async () => {
    const engine = new CountingEngine();
    rig = await startRig({engine});
    const r = await rig.client().query({model: 'null', prompt: 'x'.repeat(bound), maxTokens: 3, maxPrice: MAX_PRICE}).result();
    expect(r.usage.completionTokens).toBe(3);
    expect(engine.counted).toEqual([bound]);
    // Tokenised once: the tokens counted for the deposit are the tokens generated from.
    expect(engine.tokenizeCalls).toBe(1);
    expect(r.usage.promptTokens).toBe(1);
  });

  it('takes its bytes per token from the options', async () => {
    const engine = new CountingEngine();
    rig = await startRig({engine, maxPromptBytesPerToken: 2});
    expect(await errorOf(rig.client().query({model: 'null', prompt: 'x'.repeat(1025), maxTokens: 3, maxPrice: MAX_PRICE}).result())).toMatchObject({wire: 'INVALID_QUERY'});
    expect(engine.counted).toEqual([]);
    expect(engine.tokenizeCalls).toBe(0);
    await expect(startRig({maxPromptBytesPerToken: 0})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });

  it('refuses a body no prompt at the bound could need with 413 from its Content-Length, before reading or decrypting it', async () => {
    const engine = new CountingEngine();
    rig = await startRig({engine});
    const limit = bound * 6 + 64 * 1024;
    expect(rig.server.info().limits).toMatchObject({maxBodyBytes: limit, maxPromptBytes: bound});
    // A prompt whose every character is JSON-escaped to 6 bytes, at the bound: still within the body limit, refused in-stream.
    const escaped = await errorOf(rig.client().query({model: 'null', prompt: '\u0001'.repeat(bound + 1), maxTokens: 3, maxPrice: MAX_PRICE}).result());
    expect(escaped).toMatchObject({wire: 'INVALID_QUERY'});
    const attempts = rig.server.metrics.get('cocoon_decrypt_attempts_total');
    const res = await fetch(`${rig.server.url}/v1/query`, {method: 'POST', headers: {'content-type': 'application/octet-stream'}, body: new Uint8Array(limit + 1)});
    expect(res.status).toBe(413);
    expect(((await res.json()) as {error: unknown}).error).toMatchObject({code: 'TOO_LARGE', message: `Request body is over ${limit} bytes.`});
    expect(rig.server.metrics.get('cocoon_decrypt_attempts_total')).toBe(attempts);
    expect(engine.counted).toEqual([]);
  });
});
