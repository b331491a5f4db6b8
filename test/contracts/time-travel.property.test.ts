// The time-travel property (test/contracts/time-travel.ts) at a modest run count;
// `npm run bench` (bench/contracts-property.bench.ts) runs many more.
import {describe, expect, it} from 'vitest';
import {checkTimeTravel} from './time-travel.js';

const RUNS = Number(process.env.COCOON_PROPERTY_RUNS ?? 12);
// A fixed seed by default, so the coverage asserted below is the same on every run (a random seed
// sometimes drew no external claim at 12 runs); COCOON_PROPERTY_SEED=random explores, as the bench does.
const SEED = process.env.COCOON_PROPERTY_SEED === 'random' ? undefined : Number(process.env.COCOON_PROPERTY_SEED ?? 7);

describe('contracts over years of random use', () => {
  it('conserve value, pay every party what it is owed, never abort an accepted external, cap the provider at the newest voucher', async () => {
    const cov = await checkTimeTravel(RUNS, SEED);
    // The generator must reach the interesting paths, not only refused messages.
    expect(cov.runs).toBe(RUNS);
    expect(cov.payouts).toBeGreaterThan(0);
    expect(cov.externalsAccepted + cov.externalsRefused).toBeGreaterThan(0);
  }, 120_000);
});
