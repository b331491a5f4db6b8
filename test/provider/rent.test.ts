// A record's prepaid rent over months and years, on a devnet whose clock the
// test moves: where it stands, renewing it by hand and from a serving node,
// and consumers skipping a record that may be evicted.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {toNano} from '@ton/core';
import {RegistryConst} from '../../src/chain/contracts/constants.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import {rentStatus} from '../../src/chain/contracts/registry-rent.js';
import {matchesFilter} from '../../src/consumer/discovery.js';
import {startProviderNode, type NodeEvent} from '../../src/provider/node.js';
import {getRegistration} from '../../src/provider/registration.js';
import {renewalQuote, renewRent} from '../../src/provider/rent.js';
import {testModel} from '../inference/model.js';
import {registerTestProvider, startChain, testNodeOptions, type TestChain} from './devnet-network.js';

const DAY = 86_400;
let skew = 0;
const now = () => Math.floor(Date.now() / 1000) + skew;
let chain: TestChain;

beforeAll(async () => {
  chain = await startChain(undefined, {now});
});
afterAll(async () => {
  await chain?.close();
});

describe('rent states', () => {
  it('paid, due 30 days before, overdue once run out, evictable after the grace period', () => {
    const t = 1_800_000_000;
    expect(rentStatus({paidUntil: t + 31 * DAY}, t)?.state).toBe('paid');
    expect(rentStatus({paidUntil: t + 30 * DAY}, t)?.state).toBe('due');
    expect(rentStatus({paidUntil: t}, t)?.state).toBe('overdue');
    expect(rentStatus({paidUntil: t - RegistryConst.GRACE_PERIOD + 1}, t)?.state).toBe('overdue');
    expect(rentStatus({paidUntil: t - RegistryConst.GRACE_PERIOD}, t)).toMatchObject({state: 'evictable', evictableAt: t});
    expect(rentStatus({}, t)).toBeUndefined();
  });
});

describe('renewing a record on a devnet whose clock moves', () => {
  it('renews by hand: exactly the days asked, and refuses a horizon past 10 years before sending', async () => {
    const provider = await registerTestProvider(chain, testModel());
    const access = {client: chain.client, registry: chain.registry, sender: provider.wallet.sender};
    const first = provider.record.paidUntil!;
    expect(first - now()).toBeGreaterThan(364 * DAY);
    const balance = await chain.client.balance(provider.wallet.address);
    const done = await renewRent(access, {nodeKey: provider.nodeKey.ed25519PublicKey, seconds: 90 * DAY});
    expect(done.before.paidUntil).toBe(first);
    // Rounded up to the next nanoGRAM of rent: a few seconds at most.
    expect(done.record.paidUntil! - first).toBeGreaterThanOrEqual(90 * DAY);
    expect(done.record.paidUntil! - first).toBeLessThan(90 * DAY + 60);
    const spent = balance - (await chain.client.balance(provider.wallet.address));
    // The rent and the shard's gas fee, plus the wallet's own fee: a hundredth of a GRAM at most.
    expect(spent).toBeGreaterThanOrEqual(done.paid);
    expect(spent).toBeLessThan(done.paid + toNano('0.01'));
    const far = (await renewRent(access, {nodeKey: provider.nodeKey.ed25519PublicKey, seconds: 3650 * DAY}).then(() => new Error("renewed"), (e: unknown) => e)) as Error;
    expect(far).toMatchObject({code: 'USAGE', message: /At most 10 years/});
    expect((await getRegistration(chain.client, chain.registry, provider.nodeKey.ed25519PublicKey))!.paidUntil).toBe(done.record.paidUntil);
    // Exactly as many days as the refusal says still fit are taken by the shard (no RENT_TOO_HIGH bounce).
    const room = Number(/at most (\d+) more days fit/.exec(far.message)![1]);
    expect(room).toBeGreaterThan(3000);
    const full = await renewRent(access, {nodeKey: provider.nodeKey.ed25519PublicKey, seconds: room * DAY});
    expect(full.record.paidUntil! - done.record.paidUntil!).toBeGreaterThanOrEqual(room * DAY);
    expect(full.record.paidUntil! - now()).toBeLessThanOrEqual(RegistryConst.MAX_RENT_PERIOD);
  });

  // The chain's clock never steps back (an account refuses time going backwards): each test moves it further on.
  it('a record that let its rent run out: consumers skip it once evictable; renewing pays the overrun first', async () => {
    const provider = await registerTestProvider(chain, testModel());
    const record = provider.record;
    expect(matchesFilter(record, {}, now())).toBe(true);
    skew = record.paidUntil! - Math.floor(Date.now() / 1000) + RegistryConst.GRACE_PERIOD + DAY;
    expect(rentStatus(record, now())?.state).toBe('evictable');
    expect(matchesFilter(record, {}, now())).toBe(false);
    const access = {client: chain.client, registry: chain.registry, sender: provider.wallet.sender};
    const fee = await chain.client.call(() => chain.client.ton.open(Registry.createFromAddress(chain.registry)).getRegisterFee());
    const quote = renewalQuote(record, {seconds: 365 * DAY, registerFee: fee, now: now()});
    // A year counted from the old horizon, which lies 31 days back: the overrun is owed first.
    expect(quote.paidUntil).toBe(record.paidUntil! + 365 * DAY);
    // Fewer days than it overran would still leave it in the past: refused before anything is sent (the shard would bounce it).
    await expect(renewRent(access, {nodeKey: provider.nodeKey.ed25519PublicKey, seconds: 5 * DAY, now: now()})).rejects.toMatchObject({
      code: 'USAGE',
      message: /The rent ran out 31 days ago/,
      hint: /at least 32 days/,
    });
    const done = await renewRent(access, {nodeKey: provider.nodeKey.ed25519PublicKey, seconds: 365 * DAY, now: now()});
    expect(done.before.state).toBe('evictable');
    expect(done.after.state).toBe('paid');
    expect(done.record.paidUntil! - (record.paidUntil! + 365 * DAY)).toBeLessThan(60);
    expect(done.record.paidUntil! - (record.paidUntil! + 365 * DAY)).toBeGreaterThanOrEqual(0);
    expect(matchesFilter(done.record, {}, now())).toBe(true);
  });

  it('a serving node warns when the rent is due and, allowed to, renews it once', async () => {
    const model = testModel();
    const provider = await registerTestProvider(chain, model);
    // 20 days before the rent runs out.
    skew = provider.record.paidUntil! - Math.floor(Date.now() / 1000) - 20 * DAY;
    const events: NodeEvent[] = [];
    const access = {client: chain.client, registry: chain.registry, sender: provider.wallet.sender};
    let renewals = 0;
    const node = await startProviderNode(
      testNodeOptions(chain, provider, model, {
        now,
        renewRent: async (record) => {
          renewals++;
          return (await renewRent(access, {nodeKey: record.nodeKey, now: now()})).record;
        },
        onEvent: (e) => events.push(e),
      }),
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!events.some((e) => e.type === 'rent' && e.state === 'renewed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const rent = events.filter((e) => e.type === 'rent');
      expect(rent.map((e) => (e as {state: string}).state)).toEqual(['due', 'renewed']);
      expect((rent[0] as {message: string}).message).toMatch(/runs out on \d{4}-\d\d-\d\d: this node renews it/);
      expect(node.record.paidUntil! - provider.record.paidUntil!).toBeGreaterThanOrEqual(365 * DAY);
      // Paid again: several more passes, no second renewal.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(renewals).toBe(1);
      expect((await getRegistration(chain.client, chain.registry, provider.nodeKey.ed25519PublicKey))!.paidUntil).toBe(node.record.paidUntil);
    } finally {
      await node.close();
    }
  });
});
