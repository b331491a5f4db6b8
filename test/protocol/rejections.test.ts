import {randomBytes} from 'node:crypto';
import {afterEach, describe, expect, it} from 'vitest';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {ProviderClient} from '../../src/consumer/client.js';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {sealRequest} from '../../src/protocol/envelope.js';
import {encodeQueryRequest} from '../../src/protocol/request.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {bytes, CHANNEL, CONSUMER_SEED, MAX_PRICE, PRICES, startRig, tamperingFetch, type Rig, errorOf} from './setup.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const ask = {model: 'null', prompt: 'a short story', maxTokens: 20, maxPrice: MAX_PRICE};

async function sealed(r: Rig, overrides: {timestamp?: number; recipientKey?: Uint8Array; prompt?: string} = {}) {
  const queryId = bytes(`q${Math.random()}`, 16);
  const timestamp = overrides.timestamp ?? Date.now();
  return sealRequest({
    recipientKey: overrides.recipientKey ?? r.nodeKey.x25519PublicKey,
    queryId,
    timestamp,
    plaintext: encodeQueryRequest({queryId, timestamp, channel: CHANNEL, model: 'null', prompt: overrides.prompt ?? 'hi', params: {}, maxTokens: 5, maxPrice: MAX_PRICE}),
  });
}

async function codeOf(res: Response): Promise<string> {
  return ((await res.json()) as {error: {code: string}}).error.code;
}

function post(r: Rig, body: Uint8Array): Promise<Response> {
  return fetch(`${r.server.url}/v1/query`, {method: 'POST', body});
}


describe('requests the provider must refuse', () => {
  it('refuses a request with any one byte flipped, and still serves the untouched one afterwards', async () => {
    rig = await startRig({rateLimit: {capacity: 10_000, refillPerSecond: 10_000}});
    const {body} = await sealed(rig);
    const positions = [...Array(body.length).keys()].filter((i) => i < 128 || i % 3 === 0 || i === body.length - 1);
    for (const i of positions) {
      const bad = body.slice();
      bad[i]! ^= 0x01;
      const res = await post(rig, bad);
      expect(res.status, `byte ${i}`).toBeGreaterThanOrEqual(400);
      await res.arrayBuffer();
    }
    expect(rig.server.metrics.get('cocoon_queries_completed_total')).toBe(0);
    // Forgeries are not remembered as used ids: the authentic request still goes through, once.
    const ok = await post(rig, body);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const again = await post(rig, body);
    expect(again.status).toBe(409);
    expect(await codeOf(again)).toBe('REPLAY');
  });

  it('refuses a request sealed to the wrong key', async () => {
    rig = await startRig();
    const other = await generateNodeKey(bytes('other node', 64));
    const misdirected = await post(rig, (await sealed(rig, {recipientKey: other.x25519PublicKey})).body);
    expect(misdirected.status).toBe(421);
    expect(await codeOf(misdirected)).toBe('WRONG_KEY');
    // Sealed to another key but labelled with ours: fails authentication.
    const relabelled = (await sealed(rig, {recipientKey: other.x25519PublicKey})).body;
    relabelled.set(rig.nodeKey.x25519PublicKey, 32);
    const res = await post(rig, relabelled);
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe('DECRYPT_FAILED');
    expect(rig.server.metrics.get('cocoon_decrypt_failures_total')).toBe(1);
  });

  it('refuses an oversized body before any decryption', async () => {
    rig = await startRig({maxBodyBytes: 4096});
    const {body} = await sealed(rig, {prompt: 'x'.repeat(10_000)});
    const res = await post(rig, body);
    expect(res.status).toBe(413);
    expect(await codeOf(res)).toBe('TOO_LARGE');
    // Same without a Content-Length: the streaming limit stops it too.
    const streamed = await fetch(`${rig.server.url}/v1/query`, {
      method: 'POST',
      body: new ReadableStream({start(c) { c.enqueue(body); c.close(); }}),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(rig.server.metrics.get('cocoon_decrypt_attempts_total')).toBe(0);
  });

  it('refuses stale and future timestamps', async () => {
    rig = await startRig();
    for (const skew of [-120_000, 120_000]) {
      const err = await errorOf(rig.client({now: () => Date.now() + skew}).query(ask).result());
      expect(err).toMatchObject({code: 'PROTOCOL_ERROR', wire: 'STALE'});
    }
    expect(rig.server.metrics.get('cocoon_decrypt_attempts_total')).toBe(0);
  });

  it('asks for proof of work when configured, and the client solves it after reading info', async () => {
    rig = await startRig({powDifficulty: 10});
    const client = rig.client();
    expect(await errorOf(client.query(ask).result())).toMatchObject({wire: 'POW_REQUIRED'});
    expect((await client.info()).pow.difficulty).toBe(10);
    expect((await client.query(ask).result()).usage.completionTokens).toBe(20);
  });

  it('rate-limits a source', async () => {
    rig = await startRig({rateLimit: {capacity: 2, refillPerSecond: 0.001}});
    const {body} = await sealed(rig);
    for (let i = 0; i < 2; i++) await (await post(rig, new Uint8Array(10))).arrayBuffer();
    const res = await post(rig, body);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(rig.server.metrics.get('cocoon_decrypt_attempts_total')).toBe(0);
  });

  it('refuses prices above the consumer maximum, unknown channels, thin deposits and unknown models', async () => {
    rig = await startRig({deposit: 500n});
    const client = rig.client();
    expect(await errorOf(client.query({...ask, maxPrice: {prompt: 100n, completion: 29n}}).result())).toMatchObject({code: 'PAYMENT_REQUIRED', wire: 'PRICE_TOO_LOW'});
    expect(await errorOf(client.query(ask).result())).toMatchObject({code: 'PAYMENT_REQUIRED', wire: 'INSUFFICIENT_DEPOSIT'});
    expect(await errorOf(client.query({...ask, model: 'gpt'}).result())).toMatchObject({code: 'INVALID_INPUT', wire: 'UNKNOWN_MODEL'});
    const stranger = rig.client({channel: new (CHANNEL.constructor as typeof import('@ton/core').Address)(0, bytes('nobody', 32))});
    expect(await errorOf(stranger.query(ask).result())).toMatchObject({code: 'PAYMENT_REQUIRED', wire: 'UNKNOWN_CHANNEL'});
  });
});

describe('deposit check', () => {
  it('prices no more completion tokens than the context can hold', async () => {
    // 3 prompt tokens × 10 + up to 61 completion tokens × 30 = 1,860 fit a deposit of 2,000; 4,000 tokens × 30 would not.
    rig = await startRig({deposit: 2000n, engine: new NullEngine({tokens: 5, contextSize: 64})});
    const result = await rig.client().query({...ask, maxTokens: 4000}).result();
    expect(result.usage.completionTokens).toBe(5);
    await rig.close();
    rig = await startRig({deposit: 1000n, engine: new NullEngine({tokens: 5, contextSize: 64})});
    expect(await errorOf(rig.client().query({...ask, maxTokens: 4000}).result())).toMatchObject({code: 'PAYMENT_REQUIRED', wire: 'INSUFFICIENT_DEPOSIT'});
  });
});

type Outstanding = {receipt: string; signature: string}[];

/** The outstanding receipts a CREDIT_LIMIT refusal lists (ProviderError.outstanding). */
async function creditLimit(p: Promise<unknown>): Promise<Outstanding> {
  try {
    await p;
  } catch (err) {
    expect(err).toMatchObject({code: 'BUSY', wireCode: 'CREDIT_LIMIT', transient: true});
    return (err as {outstanding: Outstanding}).outstanding;
  }
  throw new Error('expected CREDIT_LIMIT');
}

const receiptHex = (r: {receipt: {bytes: Uint8Array; signature: Uint8Array}}) => ({receipt: Buffer.from(r.receipt.bytes).toString('hex'), signature: Buffer.from(r.receipt.signature).toString('hex')});

describe('payment', () => {
  it('refuses a channel whose credit window is full of unpaid receipts until a voucher pays them', async () => {
    rig = await startRig({credit: {queries: 1}});
    const client = rig.client({autoPay: false});
    const first = await client.query(ask).result();
    expect(first.voucherPosted).toBe(false);
    // A consumer whose voucher never reached the provider (here: another book, so nothing rides along) finds the window full.
    const owed = await errorOf(rig.client().query(ask).result());
    expect(owed).toMatchObject({code: 'BUSY', wire: 'CREDIT_LIMIT', details: {outstanding: 1}});
    expect(await creditLimit(rig.client().query(ask).result())).toEqual([receiptHex(first)]);
    await client.postVoucher(first.voucher.amount, first.voucher.signature);
    const second = await client.query(ask).result();
    expect(second.total).toBe(first.total + second.cost);
    // The second answer is unpaid in turn (autoPay off, nothing rode after it): it alone fills the window now.
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: first.total, owed: second.total});
    expect(await creditLimit(rig.client().query(ask).result())).toEqual([receiptHex(second)]);
  });

  it('refuses a voucher with a wrong signature or above the charges, and acknowledges an older one without change', async () => {
    rig = await startRig();
    const client = rig.client({autoPay: false});
    const first = await client.query(ask).result();
    const forged = signVoucher({channel: CHANNEL, amount: first.total}, bytes('mallory', 32));
    expect(await errorOf(client.postVoucher(first.total, forged))).toMatchObject({code: 'PAYMENT_REQUIRED', wire: 'BAD_VOUCHER'});
    const above = signVoucher({channel: CHANNEL, amount: first.total + 1n}, CONSUMER_SEED);
    const aboveErr = await errorOf(client.postVoucher(first.total + 1n, above));
    expect(aboveErr).toMatchObject({wire: 'BAD_VOUCHER'});
    expect(aboveErr.message).toMatch(/above the .* nanoGRAM this channel was charged/);
    const otherChannel = signVoucher({channel: new (CHANNEL.constructor as typeof import('@ton/core').Address)(0, bytes('x', 32)), amount: first.total}, CONSUMER_SEED);
    expect(await errorOf(client.postVoucher(first.total, otherChannel))).toMatchObject({wire: 'BAD_VOUCHER'});
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: 0n, owed: first.total, outstanding: [{queryId: first.queryId}]});
    await client.postVoucher(first.total, first.voucher.signature);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: first.total, owed: first.total, outstanding: []});
    // Cumulative vouchers: a lower (older) amount is acknowledged and changes nothing.
    const lower = signVoucher({channel: CHANNEL, amount: first.total - 1n}, CONSUMER_SEED);
    await client.postVoucher(first.total - 1n, lower);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: first.total, owed: first.total});
    expect(rig.server.metrics.get('cocoon_vouchers_total', {result: 'refused'})).toBe(3);
    expect(rig.server.metrics.get('cocoon_vouchers_total', {result: 'repeated'})).toBe(1);
  });

  it('re-posts the newest voucher for an outstanding receipt it paid (settleOutstanding repays)', async () => {
    rig = await startRig({credit: {queries: 1}});
    // The voucher post after the first answer is lost, and the second query was sealed before that answer was paid,
    // so nothing rides on it: the provider holds the first receipt as unpaid and the window of one is full.
    let failVoucher = true;
    let releaseSecond!: () => void;
    const secondMayGo = new Promise<void>((r) => (releaseSecond = r));
    let queries = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/v1/voucher') && failVoucher) {
        failVoucher = false;
        throw new TypeError('fetch failed');
      }
      if (String(input).endsWith('/v1/query') && ++queries === 2) await secondMayGo;
      return fetch(input, init);
    };
    const client = rig.client({fetch: flaky});
    const firstStream = client.query(ask);
    await firstStream[Symbol.asyncIterator]().next();
    const secondResult = client.query(ask).result();
    const first = await firstStream.result();
    expect(first.voucherPosted).toBe(false);
    expect(first.paymentError).toMatchObject({code: 'PROVIDER_UNAVAILABLE'});
    releaseSecond();
    const outstanding = await creditLimit(secondResult);
    expect(outstanding).toEqual([receiptHex(first)]);
    expect(await client.settleOutstanding(outstanding)).toEqual({repaid: true, waived: [], running: 0});
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: first.total, owed: first.total, outstanding: [], waived: 0});
    const next = await client.query(ask).result();
    expect(next.total).toBe(first.total + next.cost);
  });

  it('lets a consumer waive a charge for an answer it never received in full (settleOutstanding waives)', async () => {
    rig = await startRig({credit: {queries: 1}});
    const log: string[] = [];
    // The consumer's copy of the stream loses its last 10 bytes; the provider did send it all.
    const client = rig.client({fetch: tamperingFetch((b) => b.subarray(0, b.length - 10), log)});
    const lost = await errorOf(client.query(ask).result());
    expect(lost.details?.incomplete).toBe(true);
    const [charge] = (await rig.ledger.get(CHANNEL.toRawString()))!.outstanding!;
    const honest = rig.client();
    const outstanding = await creditLimit(honest.query(ask).result());
    expect(outstanding).toEqual([{receipt: charge!.receipt, signature: charge!.signature}]);
    expect(await honest.settleOutstanding(outstanding)).toEqual({repaid: false, waived: [charge!.queryId], running: 0});
    const next = await honest.query(ask).result();
    expect(next.total).toBe(next.cost); // nothing was charged for the lost answer
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({waived: 1, paid: next.cost, owed: next.cost});
  });

  it('leaves an outstanding receipt alone while its query still runs in this consumer', async () => {
    rig = await startRig({credit: {queries: 1}});
    const client = rig.client();
    const lossy = rig.client({fetch: tamperingFetch((b) => b.subarray(0, b.length - 10))});
    await errorOf(lossy.query(ask).result());
    const [charge] = (await rig.ledger.get(CHANNEL.toRawString()))!.outstanding!;
    const id = charge!.queryId;
    // A book that says the query is still running somewhere (another process of this consumer).
    const book = {signed: async () => 0n, begin: async () => {}, end: async () => {}, add: async () => 0n, recent: async () => [], snapshot: async () => ({signed: 0n, recent: []}), standing: async (q: string) => (q === id ? 'running' as const : 'unknown' as const)};
    const outstanding = await creditLimit(client.query(ask).result());
    expect(await rig.client({book}).settleOutstanding(outstanding)).toEqual({repaid: false, waived: [], running: 1});
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({waived: 0, outstanding: [{queryId: id}]});
  });
});

describe('streams the consumer must not pay for', () => {
  it('rejects a response with any one byte flipped and signs no voucher', async () => {
    rig = await startRig({coalesceMs: 0, rateLimit: {capacity: 10_000, refillPerSecond: 10_000}, engine: new NullEngine({tokens: 6})});
    const plain = await rig.client().query({...ask, maxTokens: 6}).result();
    const length = plain.text.length; // only to show the body is small
    expect(length).toBeGreaterThan(0);
    const probe: Uint8Array[] = [];
    await rig.client({fetch: tamperingFetch((b) => (probe.push(b), b)), paid: plain.total}).query(ask).result();
    const size = probe[0]!.length;
    for (let i = 0; i < size; i++) {
      await rig.ledger.put(CHANNEL.toRawString(), {paid: 0n, owed: 0n, waived: 0});
      const log: string[] = [];
      const client = rig.client({fetch: tamperingFetch((b) => {
        const c = b.slice();
        c[i]! ^= 0x20;
        return c;
      }, log)});
      const err = await errorOf(client.query(ask).result());
      // A flipped length byte makes the stream look cut short: an incomplete answer, reported as such.
      if (err.code === 'PROVIDER_UNAVAILABLE') expect(err.details?.incomplete, `byte ${i}`).toBe(true);
      else expect(err.code, `byte ${i}`).toBe('PROTOCOL_ERROR');
      expect(await client.paid()).toBe(0n);
      expect(log.some((u) => u.endsWith('/v1/voucher'))).toBe(false);
    }
  });

  it('reports a truncated stream as incomplete and signs no voucher, wherever it is cut', async () => {
    rig = await startRig({coalesceMs: 0, rateLimit: {capacity: 10_000, refillPerSecond: 10_000}, engine: new NullEngine({tokens: 4})});
    const probe: Uint8Array[] = [];
    await rig.client({fetch: tamperingFetch((b) => (probe.push(b), b))}).query(ask).result();
    const size = probe[0]!.length;
    for (let cut = 0; cut < size; cut++) {
      await rig.ledger.put(CHANNEL.toRawString(), {paid: 0n, owed: 0n, waived: 0});
      const log: string[] = [];
      const client = rig.client({fetch: tamperingFetch((b) => b.subarray(0, cut), log)});
      const chunks: string[] = [];
      const err = await errorOf((async () => {
        const s = client.query(ask);
        for await (const c of s) chunks.push(c);
        return s.result();
      })());
      // One code for an incomplete answer, whichever way it broke; the phase says whether text had arrived.
      expect(err.code).toBe('PROVIDER_UNAVAILABLE');
      expect(err.message).toMatch(/incomplete/);
      expect(err.details?.incomplete).toBe(true);
      expect(err.details?.phase).toBe(chunks.length > 0 ? 'streaming' : 'before-text');
      expect(await client.paid()).toBe(0n);
      expect(log.some((u) => u.endsWith('/v1/voucher'))).toBe(false);
    }
  });

  it('a client gone after text owes what was generated, as an outstanding receipt it may decline (one waiver)', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 500, delayMs: 2})});
    const client = rig.client();
    const stream = client.query({...ask, maxTokens: 500});
    let n = 0;
    for await (const _ of stream) if (++n === 3) break;
    await expect(stream.result()).rejects.toMatchObject({code: 'ABORTED'});
    await expect.poll(() => rig!.server.metrics.get('cocoon_queries_disconnected_total')).toBe(1);
    expect(rig.server.metrics.get('cocoon_queries_aborted_total')).toBe(0);
    expect(rig.engine.load().active).toBe(0);
    // The generation stopped when the client left: far fewer than 500 tokens, each charged.
    const account = (await rig.ledger.get(CHANNEL.toRawString()))!;
    expect(account.owed).toBeGreaterThan(0n);
    expect(account.owed).toBeLessThan(500n * PRICES.completion);
    expect(account.outstanding).toHaveLength(1);
    expect(await client.paid()).toBe(0n);
    // The consumer never got the receipt: it may decline the charge, and the channel's waiver count says so.
    await client.waive(account.outstanding![0]!.queryId);
    const after = (await rig.ledger.get(CHANNEL.toRawString()))!;
    expect(after.outstanding).toHaveLength(0);
    expect(after.waived).toBe(1);
    const next = await client.query({...ask, maxTokens: 5}).result();
    expect(next.cost).toBeGreaterThan(0n);
  });

  it('a client gone before any text pays nothing and leaves nothing outstanding', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 5, delayMs: 400})});
    const ctl = new AbortController();
    const stream = rig.client().query({...ask, maxTokens: 5, signal: ctl.signal});
    setTimeout(() => ctl.abort(), 100);
    await expect(stream.result()).rejects.toMatchObject({code: 'ABORTED'});
    await expect.poll(() => rig!.server.metrics.get('cocoon_queries_aborted_total')).toBe(1);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toBeUndefined();
  });

  it('stop: the provider ends the answer and the consumer pays exactly what arrived', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 500, delayMs: 2}), coalesceMs: 0});
    const client = rig.client();
    const stop = new AbortController();
    const stream = client.query({...ask, maxTokens: 500, stop: stop.signal});
    let text = '';
    for await (const piece of stream) {
      text += piece;
      if (text.length > 0 && !stop.signal.aborted) stop.abort();
    }
    const result = await stream.result();
    expect(result.finishReason).toBe('abort');
    // Everything that arrived, including what was already on its way when the stop landed, and no more.
    expect(result.text).toBe(text);
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    expect(result.usage.completionTokens).toBeLessThan(500);
    expect(result.cost).toBe(BigInt(result.usage.promptTokens) * PRICES.prompt + BigInt(result.usage.completionTokens) * PRICES.completion);
    expect(result.voucherPosted).toBe(true);
    expect(await client.paid()).toBe(result.cost);
    const account = (await rig.ledger.get(CHANNEL.toRawString()))!;
    expect(account.paid).toBe(result.cost);
    expect(account.outstanding ?? []).toHaveLength(0);
    expect(account.waived).toBe(0);
    expect(rig.server.metrics.get('cocoon_queries_cancelled_total')).toBe(1);
  });

  it('only the channel’s voucher key stops its answer; an ended or unknown answer is NOT_FOUND', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 300, delayMs: 2})});
    const id = Buffer.alloc(16, 7);
    const client = rig.client({random: (n) => (n === 16 ? id : randomBytes(n))});
    const stranger = rig.client({voucherKey: bytes('s', 32)});
    const queryId = id.toString('hex');
    const stream = client.query({...ask, maxTokens: 300});
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    await expect(stranger.postCancel(queryId)).rejects.toMatchObject({details: {wireCode: 'BAD_VOUCHER'}});
    for (let r = await it.next(); !r.done; r = await it.next());
    const result = await stream.result();
    // The stranger's request changed nothing: the answer ran to its end.
    expect(result.finishReason).toBe('length');
    expect(result.usage.completionTokens).toBe(300);
    await expect(client.postCancel(queryId)).rejects.toMatchObject({details: {wireCode: 'NOT_FOUND'}});
  });

  it('maps a user abort to ABORTED and a deadline to TIMEOUT', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 500, delayMs: 5})});
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    expect(await errorOf(rig.client().query({...ask, maxTokens: 500, signal: ctl.signal}).result())).toMatchObject({code: 'ABORTED'});
    await rig.close();
    // Out of time before any text: TIMEOUT, nothing owed. Out of time while text flows: stopped, and what arrived is paid.
    rig = await startRig({engine: new NullEngine({tokens: 5, delayMs: 400})});
    expect(await errorOf(rig.client({timeoutMs: 50}).query({...ask, maxTokens: 5}).result())).toMatchObject({code: 'TIMEOUT'});
    await rig.close();
    rig = await startRig({engine: new NullEngine({tokens: 500, delayMs: 5})});
    const slow = rig.client({timeoutMs: 100});
    const late = await slow.query({...ask, maxTokens: 500}).result();
    expect(late.finishReason).toBe('abort');
    expect(late.usage.completionTokens).toBeLessThan(500);
    expect(await slow.paid()).toBe(late.cost);
  });

  it('reports an unreachable provider', async () => {
    const client = new ProviderClient({
      endpoint: 'http://127.0.0.1:9',
      provider: {x25519PublicKey: bytes('x', 32), ed25519PublicKey: bytes('e', 32)},
      channel: CHANNEL,
      voucherKey: CONSUMER_SEED,
    });
    expect(await errorOf(client.query(ask).result())).toMatchObject({code: 'PROVIDER_UNAVAILABLE'});
  });
});

describe('shutdown', () => {
  it('close() ends a running stream with a signed final frame for what was sent, then refuses', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 1000, delayMs: 2})});
    const client = rig.client();
    const stream = client.query({...ask, maxTokens: 1000});
    let n = 0;
    const closing = (async () => {
      for await (const _ of stream) if (++n === 5) void rig!.server.close();
      return stream.result();
    })();
    const result = await closing;
    expect(result.finishReason).toBe('abort');
    expect(result.usage.completionTokens).toBeLessThan(1000);
    expect(result.text.length).toBeGreaterThan(0);
    expect(await errorOf(client.query(ask).result())).toMatchObject({code: 'PROVIDER_UNAVAILABLE'});
  });
});
