import {afterEach, describe, expect, it} from 'vitest';
import {verifyVoucher} from '../../src/chain/contracts/voucher.js';
import {ed25519PublicKey} from '../../src/crypto/ed25519.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {CHANNEL, CONSUMER_SEED, MAX_PRICE, PRICES, startRig, type Rig} from './setup.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('round trip with the null engine', () => {
  it('streams text, verifies the receipt and pays the exact cost', async () => {
    rig = await startRig({coalesceMs: 0});
    const client = rig.client();
    const info = await client.info();
    expect(info.keys.x25519).toBe(Buffer.from(rig.nodeKey.x25519PublicKey).toString('hex'));
    const prompt = 'tell me a story about a fox';
    const stream = client.query({model: 'null', prompt, maxTokens: 50, maxPrice: MAX_PRICE});
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const result = await stream.result();
    expect(chunks.length).toBe(20);
    expect(result.text).toBe(NullEngine.expectedText(prompt, 20));
    expect(result.usage).toEqual({promptTokens: 7, completionTokens: 20});
    expect(result.cost).toBe(7n * PRICES.prompt + 20n * PRICES.completion);
    expect(result.total).toBe(result.cost);
    expect(result.trust).toBe('provider-visible');
    expect(result.voucherPosted).toBe(true);
    expect(verifyVoucher({channel: CHANNEL, amount: result.total}, result.voucher.signature, ed25519PublicKey(CONSUMER_SEED))).toBe(true);
    const account = await rig.ledger.get(CHANNEL.toRawString());
    expect(account).toMatchObject({paid: result.total, owed: result.total});
    expect(account?.outstanding).toEqual([]);

    // A second query adds to the cumulative total.
    const second = await client.query({model: 'null', messages: [{role: 'user', content: 'again please'}], maxTokens: 5, maxPrice: MAX_PRICE}).result();
    expect(second.usage).toEqual({promptTokens: 2, completionTokens: 5});
    expect(second.total).toBe(result.total + second.cost);
    expect(await client.paid()).toBe(second.total);
    expect((await rig.ledger.get(CHANNEL.toRawString()))?.paid).toBe(second.total);
  });

  it('coalesces text into fewer frames by default, with the same text', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 200})});
    const stream = rig.client().query({model: 'null', prompt: 'x', maxTokens: 200, maxPrice: MAX_PRICE});
    const chunks: string[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.length).toBeLessThan(200);
    expect(chunks.join('')).toBe(NullEngine.expectedText('x', 200));
    expect((await stream.result()).usage.completionTokens).toBe(200);
  });

  it('serves healthz and Prometheus metrics', async () => {
    rig = await startRig();
    await rig.client().query({model: 'null', prompt: 'hi', maxTokens: 3, maxPrice: MAX_PRICE}).result();
    expect((await fetch(`${rig.server.url}/healthz`)).status).toBe(200);
    const text = await (await fetch(`${rig.server.url}/metrics`)).text();
    expect(text).toContain('# TYPE cocoon_queries_completed_total counter');
    expect(text).toMatch(/cocoon_queries_completed_total 1\n/);
    expect(text).toMatch(/cocoon_tokens_total\{kind="completion"\} 3\n/);
  });
});
