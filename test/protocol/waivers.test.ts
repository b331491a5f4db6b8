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
    // Two waivers are free; the second lands after 250 paid answers, when the budget covers it anyway.
    rig = await startRig({maxWaived: 2, credit: {queries: 1}});
    await loseAndWaive(rig);
    // 250 paid answers: two lost ones of the same size are 0.8 % of that, three are 1.2 %.
    const payer = rig.client();
    for (let i = 0; i < 250; i++) await payer.query(ask).result();
    await loseAndWaive(rig);
    const account = (await rig.ledger.get(CHANNEL.toRawString()))!;
    expect(account.waived).toBe(2);
    expect(account.waivedNano! * 100n).toBeLessThan(account.paid);
    expect((await payer.query(ask).result()).cost).toBeGreaterThan(0n);
    await loseAndWaive(rig);
    const refused = await errorOf(payer.query(ask).result());
    expect(refused).toMatchObject({wire: 'TOO_MANY_WAIVERS'});
    // Kept across restarts: the declined amount is in the ledger file, not only in memory.
    expect((await rig.ledger.get(CHANNEL.toRawString()))!.waivedNano).toBe(account.waivedNano! * 3n / 2n);
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
