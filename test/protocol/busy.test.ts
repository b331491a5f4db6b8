import {afterEach, describe, expect, it} from 'vitest';
import {isCocoonError} from '../../src/errors.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import {CHANNEL, MAX_PRICE, startRig, type Rig} from './setup.js';

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
  it('refuses a second query on a channel while one is streaming', async () => {
    rig = await startRig({engine: new NullEngine({tokens: 50, delayMs: 5})});
    const first = rig.client().query(ask);
    const iterator = first[Symbol.asyncIterator]();
    await iterator.next(); // the first query is now streaming
    expect(await codeOf(rig.client().query(ask).result())).toEqual({code: 'BUSY', wire: 'CHANNEL_BUSY'});
    expect((await first.result()).usage.completionTokens).toBe(50);
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
    expect(client.paid).toBe(0n);
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
