// Protocol v2's payment rule on real sockets (docs/protocol.md §8, §16): the
// per-channel credit window, vouchers riding on queries, and what a version-1
// peer gets.
import {afterEach, describe, expect, it} from 'vitest';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {sealRequest} from '../../src/protocol/envelope.js';
import {encodeQueryRequest} from '../../src/protocol/request.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import path from 'node:path';
import {ChannelStore} from '../../src/consumer/channel-store.js';
import {MemoryVoucherBook, StoredVoucherBook} from '../../src/consumer/voucher-book.js';
import {tempHome} from '../helpers/home.js';
import {bytes, CHANNEL, CONSUMER_SEED, errorOf, MAX_PRICE, PRICES, startRig, tamperingFetch, type Rig} from './setup.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

// 3 prompt tokens × 10 + 20 completion tokens × 30 = 630 nanoGRAM, worst case and cost alike.
const ask = {model: 'null', prompt: 'a short story', maxTokens: 20, maxPrice: MAX_PRICE};
const COST = 3n * PRICES.prompt + 20n * PRICES.completion;

const hexOf = (r: {receipt: {bytes: Uint8Array; signature: Uint8Array}}) => ({receipt: Buffer.from(r.receipt.bytes).toString('hex'), signature: Buffer.from(r.receipt.signature).toString('hex')});

/** A fetch that counts the requests to each path. */
function countingFetch(counts: Map<string, number>): typeof fetch {
  return async (input, init) => {
    const path = new URL(String(input)).pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    return fetch(input, init);
  };
}

/** The error a query is refused with, with the receipts it lists as outstanding. */
async function refusal(p: Promise<unknown>): Promise<{code: string; wireCode?: string; message: string; transient?: boolean; outstanding?: {receipt: string; signature: string}[]}> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected a rejection');
}

describe('credit window', () => {
  it('refuses the next query with CREDIT_LIMIT once the count cap is reached, naming the window and listing the unpaid receipts, oldest first', async () => {
    rig = await startRig({credit: {queries: 2}});
    // Two consumers' answers left unpaid (autoPay off, and each its own book, so no voucher rides along).
    const a = await rig.client({autoPay: false}).query(ask).result();
    const b = await rig.client({autoPay: false}).query(ask).result();
    const err = await refusal(rig.client().query(ask).result());
    expect(err).toMatchObject({code: 'BUSY', wireCode: 'CREDIT_LIMIT', transient: true});
    expect(err.message).toMatch(/2 unpaid and 0 running answers \(1260 nanoGRAM\); this provider's credit window is 2 answers and 100000000 nanoGRAM/);
    expect(err.outstanding).toEqual([hexOf(a), hexOf(b)]);
    // Nothing was charged for the refused query, and no generation ran for it.
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: 0n, owed: 2n * COST});
    expect(rig.server.metrics.get('cocoon_queries_completed_total')).toBe(2);
    expect(rig.server.metrics.get('cocoon_rejections_total', {code: 'CREDIT_LIMIT'})).toBe(1);
  });

  it('refuses with CREDIT_LIMIT when unpaid charges plus this worst case pass the nano cap', async () => {
    rig = await startRig({credit: {nano: 1000n}});
    const first = await rig.client({autoPay: false}).query(ask).result();
    expect(first.cost).toBe(COST); // 630 ≤ 1000
    // 630 unpaid + 630 worst case > 1000, with only 1 of 8 answers used.
    const err = await refusal(rig.client().query(ask).result());
    expect(err).toMatchObject({code: 'BUSY', wireCode: 'CREDIT_LIMIT', outstanding: [hexOf(first)]});
    expect(err.message).toMatch(/1 unpaid and 0 running answers \(630 nanoGRAM\); this provider's credit window is 8 answers and 1000 nanoGRAM/);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: 0n, owed: COST});
    // Paid, the window has room again.
    await rig.client({autoPay: false}).postVoucher(first.voucher.amount, first.voucher.signature);
    expect((await rig.client({paid: COST}).query(ask).result()).total).toBe(2n * COST);
  });

  it('keeps a lost answer listed behind a later paid one (the voucher names what it covers), so it can still be waived', async () => {
    rig = await startRig({credit: {queries: 2}});
    const book = new MemoryVoucherBook();
    // The consumer's copy of answer L loses its last bytes: incomplete, never counted in the book.
    const lossy = rig.client({book, fetch: tamperingFetch((b) => b.subarray(0, b.length - 10), [])});
    const lost = await errorOf(lossy.query(ask).result());
    expect(lost.details?.incomplete).toBe(true);
    const [l] = (await rig.ledger.get(CHANNEL.toRawString()))!.outstanding!;
    // A later answer A of the same cost is paid; its voucher says it covers A, so L (not A) stays outstanding.
    const honest = rig.client({book});
    const a = await honest.query(ask).result();
    expect(a.voucherPosted).toBe(true);
    const account = (await rig.ledger.get(CHANNEL.toRawString()))!;
    expect(account.outstanding!.map((c) => c.queryId)).toEqual([l!.queryId]);
    expect(await honest.settleOutstanding(account.outstanding!)).toEqual({repaid: false, waived: [l!.queryId], running: 0});
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: COST, owed: COST, waived: 1, outstanding: []});
  });

  it('loses nothing when the consumer dies between an answer and its voucher: the saved total rides on the next process’s first query', async () => {
    rig = await startRig();
    const store = new ChannelStore('devnet', path.join(tempHome(), 'channels'));
    const provider = '0:' + 'ab'.repeat(32);
    await store.put({
      version: 1, network: 'devnet', channel: CHANNEL.toRawString(), provider, consumer: provider, wallet: 'me',
      voucherKey: CONSUMER_SEED.toString('hex'), closeDelay: 3600, paid: '0', createdAt: new Date().toISOString(),
    });
    // Process 1 verifies the answer and saves its total, then dies before any voucher leaves (autoPay off, nothing posted).
    const first = await rig.client({book: new StoredVoucherBook(store, provider, undefined), autoPay: false}).query(ask).result();
    expect(BigInt(store.find(provider)!.paid)).toBe(first.cost);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: 0n, owed: first.cost});
    // Process 2 starts from the file: its first query carries the saved voucher, so the provider is paid before it answers.
    const counts = new Map<string, number>();
    const second = await rig.client({book: new StoredVoucherBook(store, provider, undefined), autoPay: false, fetch: countingFetch(counts)}).query(ask).result();
    expect(counts.get('/v1/voucher')).toBeUndefined();
    expect(second.total).toBe(first.cost + second.cost);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: first.cost, owed: first.cost + second.cost});
    expect(store.find(provider)!.receipts).toEqual([first.queryId, second.queryId]);
  });

  it('writes a riding voucher to the ledger even when its query is refused after it was applied', async () => {
    rig = await startRig({engine: new NullEngine({contextSize: 512, tokens: 20})});
    const book = new MemoryVoucherBook();
    const first = await rig.client({book, autoPay: false}).query(ask).result();
    // The next query carries the voucher for the first answer, and is refused for its prompt (over the byte bound).
    const refused = await errorOf(rig.client({book, autoPay: false}).query({...ask, prompt: 'x'.repeat(9000)}).result());
    expect(refused).toMatchObject({wire: 'INVALID_QUERY'});
    await expect.poll(async () => (await rig!.ledger.get(CHANNEL.toRawString()))?.paid).toBe(first.cost);
    expect((await rig.ledger.get(CHANNEL.toRawString()))?.voucher?.amount).toBe(first.cost);
  });

  it('advertises the window in /v1/info', async () => {
    rig = await startRig({credit: {queries: 3, nano: 5000n}});
    const info = await rig.client().info();
    expect(info).toMatchObject({protocol: 3, credit: {queries: 3, nano: '5000'}});
    expect((await startRig().then(async (r) => {
      try {
        return await r.client().info();
      } finally {
        await r.close();
      }
    })).credit).toEqual({queries: 8, nano: '100000000'});
  });
});

describe('riding vouchers', () => {
  it('pay the previous answer on the next query, without any POST /v1/voucher', async () => {
    rig = await startRig({credit: {queries: 1}});
    const counts = new Map<string, number>();
    const client = rig.client({autoPay: false, fetch: countingFetch(counts)});
    const first = await client.query(ask).result();
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: 0n, owed: first.total});
    // A window of one answer, full with the first: only the voucher riding on the second lets it in.
    const second = await client.query(ask).result();
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: first.total, owed: second.total, outstanding: [{queryId: second.queryId}]});
    const third = await client.query(ask).result();
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: second.total, owed: third.total});
    expect(third.total).toBe(3n * COST);
    expect(await client.paid()).toBe(third.total);
    expect(counts.get('/v1/voucher') ?? 0).toBe(0);
    expect(counts.get('/v1/query')).toBe(3);
    expect(rig.server.metrics.get('cocoon_vouchers_total', {result: 'riding'})).toBe(2);
  });

  it('refuse the query with BAD_VOUCHER when the rider has a bad signature or is above the deposit or the charges, and charge nothing', async () => {
    rig = await startRig({deposit: 10_000n});
    await rig.client().query(ask).result(); // paid and owed: 630
    const before = await rig.ledger.get(CHANNEL.toRawString());
    expect(before).toMatchObject({paid: COST, owed: COST});
    const cases = [
      {client: rig.client({paid: COST, voucherKey: bytes('mallory', 32)}), message: /not signed by the channel consumer/},
      {client: rig.client({paid: 20_000n}), message: /above the channel deposit/},
      {client: rig.client({paid: 2n * COST}), message: /above the 630 nanoGRAM this channel was charged/},
    ];
    for (const {client, message} of cases) {
      const err = await errorOf(client.query(ask).result());
      expect(err).toMatchObject({code: 'PAYMENT_REQUIRED', wire: 'BAD_VOUCHER'});
      expect(err.message).toMatch(message);
    }
    expect(await rig.ledger.get(CHANNEL.toRawString())).toEqual(before);
    expect(rig.server.metrics.get('cocoon_queries_completed_total')).toBe(1);
    expect(rig.server.metrics.get('cocoon_rejections_total', {code: 'BAD_VOUCHER'})).toBe(3);
    // The honest rider (the paid amount again) is acknowledged and the query served.
    expect((await rig.client({paid: COST}).query(ask).result()).total).toBe(2n * COST);
  });
});

describe('versions (docs/protocol.md §16)', () => {
  it('refuses a version-1 request header with plain 400 BAD_REQUEST naming both versions, before decrypting', async () => {
    rig = await startRig();
    const queryId = bytes('v1 query', 16);
    const timestamp = Date.now();
    const {body} = await sealRequest({
      recipientKey: rig.nodeKey.x25519PublicKey,
      queryId,
      timestamp,
      plaintext: encodeQueryRequest({queryId, timestamp, channel: CHANNEL, model: 'null', prompt: 'hi', params: {}, maxTokens: 5, maxPrice: MAX_PRICE}),
    });
    body[4] = 1;
    const res = await fetch(`${rig.server.url}/v1/query`, {method: 'POST', body});
    expect(res.status).toBe(400);
    const json = (await res.json()) as {error: {code: string; message: string}};
    expect(json.error.code).toBe('BAD_REQUEST');
    expect(json.error.message).toMatch(/protocol version 1; this provider speaks version 3/);
    expect(rig.server.metrics.get('cocoon_decrypt_attempts_total')).toBe(0);
  });

  it('refuses a version-2 request header the same way: the receipts of v3 commit to what was generated', async () => {
    rig = await startRig();
    const queryId = bytes('v2 query', 16);
    const timestamp = Date.now();
    const {body} = await sealRequest({
      recipientKey: rig.nodeKey.x25519PublicKey,
      queryId,
      timestamp,
      plaintext: encodeQueryRequest({queryId, timestamp, channel: CHANNEL, model: 'null', prompt: 'hi', params: {}, maxTokens: 5, maxPrice: MAX_PRICE}),
    });
    body[4] = 2;
    const res = await fetch(`${rig.server.url}/v1/query`, {method: 'POST', body});
    expect(res.status).toBe(400);
    const json = (await res.json()) as {error: {code: string; message: string}};
    expect(json.error).toMatchObject({code: 'BAD_REQUEST', message: expect.stringMatching(/protocol version 2; this provider speaks version 3\. Update cocoon/)});
    expect(rig.server.metrics.get('cocoon_decrypt_attempts_total')).toBe(0);
  });

  it('refuses a voucher body without "v" as a version-1 voucher', async () => {
    rig = await startRig();
    const signature = Buffer.from(signVoucher({channel: CHANNEL, amount: 0n}, CONSUMER_SEED)).toString('hex');
    const post = (body: unknown) => fetch(`${rig!.server.url}/v1/voucher`, {method: 'POST', body: JSON.stringify(body), headers: {'content-type': 'application/json'}});
    const res = await post({channel: CHANNEL.toRawString(), amount: '0', signature});
    expect(res.status).toBe(400);
    const json = (await res.json()) as {error: {code: string; message: string}};
    expect(json.error).toMatchObject({code: 'BAD_REQUEST', message: expect.stringMatching(/protocol version 1 voucher; this provider speaks version 3/)});
    // A version-2 body is refused naming its version; the same body as version 3 is taken (amount 0: nothing charged, nothing paid).
    const v2 = await post({v: 2, channel: CHANNEL.toRawString(), amount: '0', signature});
    expect(v2.status).toBe(400);
    expect(((await v2.json()) as {error: {message: string}}).error.message).toMatch(/protocol version 2 voucher; this provider speaks version 3/);
    const ok = await post({v: 3, channel: CHANNEL.toRawString(), amount: '0', signature});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ok: true, paid: '0', owed: '0'});
  });
});

describe('many answers on one channel', () => {
  it('runs 8 queries at once from one client and pays each exactly', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 30, delayMs: 5, parallel: 8})});
    const client = rig.client();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rig!.engine.load().active)), 2);
    const results = await Promise.all(Array.from({length: 8}, (_, i) => client.query({...ask, prompt: `story number ${i}`, maxTokens: 30}).result())).finally(() => clearInterval(sampler));
    expect(peak).toBeGreaterThan(1); // they overlapped on the one channel
    const sum = results.reduce((s, r) => s + r.cost, 0n);
    expect(sum).toBe(8n * (3n * PRICES.prompt + 30n * PRICES.completion));
    // Each answer added exactly its cost to the consumer's total: the totals are the running sums, each seen once.
    const totals = results.map((r) => r.total).sort((x, y) => Number(x - y));
    expect(totals).toEqual(totals.map((_, i) => BigInt(i + 1) * (sum / 8n)));
    expect(await client.paid()).toBe(sum);
    const account = await rig.ledger.get(CHANNEL.toRawString());
    expect(account).toMatchObject({paid: sum, owed: sum, outstanding: []});
    expect(rig.server.metrics.get('cocoon_queries_completed_total')).toBe(8);
  });
});
