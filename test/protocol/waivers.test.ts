// Waived charges: counted in /metrics (from the ledger, across restarts) and
// capped per channel: past the limit the channel is refused with TOO_MANY_WAIVERS.
import {afterEach, describe, expect, it} from 'vitest';
import {parseMetrics} from '../../src/provider/status.js';
import {createProviderServer} from '../../src/provider/server.js';
import {CHANNEL, MAX_PRICE, startRig, tamperingFetch, type Rig, errorOf} from './setup.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const ask = {model: 'null', prompt: 'a short story', maxTokens: 20, maxPrice: MAX_PRICE};


/** Lose one answer on the way (the provider sent it whole): it fills the window of one answer, and is waived. */
async function loseAndWaive(r: Rig): Promise<void> {
  const lossy = r.client({fetch: tamperingFetch((b) => b.subarray(0, b.length - 10))});
  expect((await errorOf(lossy.query(ask).result())).details?.incomplete).toBe(true);
  const honest = r.client();
  let outstanding: {receipt: string; signature: string}[] = [];
  await honest.query(ask).result().then(
    () => expect.fail('expected CREDIT_LIMIT'),
    (err: {wireCode?: string; outstanding?: typeof outstanding}) => {
      expect(err.wireCode).toBe('CREDIT_LIMIT');
      outstanding = err.outstanding ?? [];
    },
  );
  expect(outstanding).toHaveLength(1);
  const done = await honest.settleOutstanding(outstanding);
  expect(done).toMatchObject({repaid: false, running: 0});
  expect(done.waived).toHaveLength(1);
}

async function metrics(url: string): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${url}/metrics`)).text());
}

describe('waived charges', () => {
  it('are counted in /metrics, and a channel at the limit is refused with TOO_MANY_WAIVERS', async () => {
    rig = await startRig({maxWaived: 2, credit: {queries: 1}});
    expect((await metrics(rig.server.url)).get('cocoon_waived_charges')).toBe(0);
    await loseAndWaive(rig);
    await loseAndWaive(rig);
    expect((await metrics(rig.server.url)).get('cocoon_waived_charges')).toBe(2);
    const refused = await errorOf(rig.client().query(ask).result());
    expect(refused).toMatchObject({code: 'PAYMENT_REQUIRED', wire: 'TOO_MANY_WAIVERS'});
    expect(refused.message).toMatch(/declined 2 charges as never received \(\d+ nanoGRAM\); this provider serves a channel beyond 2 only while they stay within 1 % of what it paid \(0\)/);
    expect(rig.server.metrics.get('cocoon_rejections_total', {code: 'TOO_MANY_WAIVERS'})).toBe(1);
  });

  it('a busy channel may decline a rare lost answer beyond the first ones, within 1 % of what it paid', async () => {
    rig = await startRig({maxWaived: 2, credit: {queries: 2}, channelRateLimit: {capacity: 10_000, refillPerSecond: 10_000}});
    const r = rig;
    /** An answer lost on the way (the provider sent it whole): its charge is left outstanding; returns its query id. */
    const lose = async () => {
      const lossy = r.client({fetch: tamperingFetch((b) => b.subarray(0, b.length - 10))});
      expect((await errorOf(lossy.query(ask).result())).details?.incomplete).toBe(true);
      return (await r.ledger.get(CHANNEL.toRawString()))!.outstanding!.at(-1)!.queryId;
    };
    const payer = r.client();
    for (let i = 0; i < 250; i++) await payer.query(ask).result();
    // The first two are free (and 2 of 250 is within 1 % anyway, so the channel is still served after them).
    await r.client().waive(await lose());
    await r.client().waive(await lose());
    expect((await payer.query(ask).result()).cost).toBeGreaterThan(0n);
    // A third lost answer of the same size: 3 of 250 is 1.2 %, so it is not written off, and stays owed.
    const third = await lose();
    await expect(r.client().waive(third)).rejects.toMatchObject({message: /writes off only while the declined sum stays within 1 % of what the channel paid/});
    expect((await r.ledger.get(CHANNEL.toRawString()))!.outstanding!.map((c) => c.queryId)).toEqual([third]);
    // 150 more paid answers (3 of 400 is 0.75 %) make room for it.
    for (let i = 0; i < 150; i++) await payer.query(ask).result();
    await r.client().waive(third);
    const after = (await r.ledger.get(CHANNEL.toRawString()))!;
    expect(after.waived).toBe(3);
    expect(after.outstanding ?? []).toHaveLength(0);
    expect(after.waivedNano! * 100n).toBeLessThanOrEqual(after.paid);
    expect((await payer.query(ask).result()).cost).toBeGreaterThan(0n);
  });

  it('a channel at the limit from before the declined sum was kept stays refused', async () => {
    rig = await startRig({maxWaived: 3});
    await rig.ledger.put(CHANNEL.toRawString(), {paid: 10_000_000n, owed: 10_000_000n, waived: 3});
    expect(await errorOf(rig.client({paid: 10_000_000n}).query(ask).result())).toMatchObject({wire: 'TOO_MANY_WAIVERS'});
  });

  it('counts the waivers already in the ledger when a node starts', async () => {
    rig = await startRig();
    await rig.ledger.put(CHANNEL.toRawString(), {paid: 0n, owed: 0n, waived: 5});
    const again = await createProviderServer({engine: rig.engine, nodeKey: rig.nodeKey, prices: {prompt: 1n, completion: 1n}, guard: rig.guard, ledger: rig.ledger});
    try {
      expect((await metrics(again.url)).get('cocoon_waived_charges')).toBe(5);
    } finally {
      await again.close();
    }
  });

  it('refuses a maxWaived or a proof-of-work difficulty out of bounds before serving', async () => {
    await expect(startRig({maxWaived: -1})).rejects.toMatchObject({code: 'INVALID_INPUT'});
    await expect(startRig({powDifficulty: 21})).rejects.toMatchObject({code: 'INVALID_INPUT', message: expect.stringMatching(/0 … 20 bits/)});
  });
});
