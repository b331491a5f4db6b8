import {afterEach, describe, expect, it} from 'vitest';
import {isCocoonError} from '../../src/errors.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {CHANNEL, MAX_PRICE, errorOf, startRig, type Rig} from './setup.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const ask = {model: 'null', prompt: 'a story', maxTokens: 50, maxPrice: MAX_PRICE};

async function codeOf(p: Promise<unknown>): Promise<{code: string; wire: unknown}> {
  try {
    await p;
  } catch (err) {
    if (isCocoonError(err)) return {code: err.code, wire: err.details?.wireCode};
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('capacity and engine failures', () => {
  it('runs a second query on a channel while the first is streaming, and pays both exactly', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 50, delayMs: 5})});
    const client = rig.client();
    const first = client.query(ask);
    await first[Symbol.asyncIterator]().next(); // the first query is now streaming
    const second = client.query({...ask, prompt: 'another story'});
    await second[Symbol.asyncIterator]().next();
    expect(rig.engine.load().active).toBe(2); // both generate at once on the one channel
    const [a, b] = await Promise.all([first.result(), second.result()]);
    expect([a.usage.completionTokens, b.usage.completionTokens]).toEqual([50, 50]);
    const sum = a.cost + b.cost;
    // Each answer adds its own cost to the consumer's cumulative total: the one counted first is its cost alone, the other the sum.
    const [early, late] = [a, b].sort((x, y) => Number(x.total - y.total));
    expect(early!.total).toBe(early!.cost);
    expect(late!.total).toBe(sum);
    expect(await client.paid()).toBe(sum);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: sum, owed: sum, outstanding: []});
  });

  it('refuses a query beyond a credit window of one answer with CREDIT_LIMIT while the first streams, and charges nothing for it', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 50, delayMs: 5}), credit: {queries: 1}});
    const client = rig.client();
    const first = client.query(ask);
    await first[Symbol.asyncIterator]().next();
    const refused = await errorOf(client.query(ask).result());
    expect(refused).toMatchObject({code: 'BUSY', wire: 'CREDIT_LIMIT', details: {outstanding: 0}}); // nothing unpaid yet: the running answer fills it
    expect(refused.message).toMatch(/0 unpaid and 1 running.*credit window is 1 answers/);
    const done = await first.result();
    expect(await client.paid()).toBe(done.cost);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toMatchObject({paid: done.cost, owed: done.cost, outstanding: []});
    expect(rig.server.metrics.get('cocoon_queries_completed_total')).toBe(1);
    // Once the first is paid the window is free again.
    const next = await client.query(ask).result();
    expect(next.total).toBe(done.cost + next.cost);
  });

  it('answers BUSY when the engine queue is full', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 50, delayMs: 5, parallel: 1, maxQueue: 0})});
    const other = (await import('@ton/core')).Address;
    const second = new other(0, Buffer.alloc(32, 1));
    rig.guard.set(second, (await rig.guard.lookup(CHANNEL))!);
    const first = rig.client().query(ask);
    await first[Symbol.asyncIterator]().next();
    expect(await codeOf(rig.client({channel: second}).query(ask).result())).toEqual({code: 'BUSY', wire: 'BUSY'});
    await first.result();
  });

  it('reports an engine failure mid-answer as MODEL_ERROR and charges nothing', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 50, failAfter: 10})});
    const client = rig.client();
    expect(await codeOf(client.query(ask).result())).toEqual({code: 'MODEL_ERROR', wire: 'ENGINE_ERROR'});
    expect(await client.paid()).toBe(0n);
    expect(await rig.ledger.get(CHANNEL.toRawString())).toBeUndefined();
  });
});

describe('lifecycle', () => {
  it('closes when its AbortSignal fires', async () => {
    const ctl = new AbortController();
    rig = await startRig({signal: ctl.signal});
    expect((await fetch(`${rig.server.url}/healthz`)).status).toBe(200);
    ctl.abort();
    await rig.server.close(); // the same close, already under way
    await expect(fetch(`${rig.server.url}/healthz`)).rejects.toThrow();
  });
});

describe('options', () => {
  it('refuses prices a receipt could not carry', async () => {
    await expect(startRig({prices: {prompt: 1n << 64n, completion: 1n}})).rejects.toMatchObject({code: 'INVALID_INPUT'});
    await expect(startRig({prices: {prompt: -1n, completion: 1n}})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });
});
