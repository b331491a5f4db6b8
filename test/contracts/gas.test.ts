// Gas bounds and fee targets. The GAS_* constants in the Tolk sources set what
// the contracts keep as fee; they must cover the real gas, or the contracts
// would pay the difference from their own balance.
//
// Issue 13's targets from a v5r1 wallet are external claim ≤ 0.003, open ≤ 0.012,
// registration ≤ 0.008 GRAM. v2 meets them from the sandbox's minimal wallet but
// not from v5r1 (docs/contracts.md, "Fees", says what the safety fixes cost): the
// v5r1 checks below pin today's measured ceilings, so a regression still fails.
import {toNano} from '@ton/core';
import {describe, expect, it} from 'vitest';
import {measureGas} from './gas-scenarios.js';

describe('gas', () => {
  it('stays within every GAS_* bound, in a full shard (999 records)', async () => {
    const rows = await measureGas({prefill: 999, wallet: 'treasury'});
    for (const r of rows) {
      if (r.bound !== undefined) expect(r.gas, r.operation).toBeLessThanOrEqual(r.bound);
      expect(r.gas, r.operation).toBeGreaterThan(0);
    }
    const fee = (op: string) => rows.find((r) => r.operation.startsWith(op))!.fee;
    // From the minimal wallet, all three meet the targets.
    expect(fee('channel: claim voucher (external')).toBeLessThanOrEqual(toNano('0.003'));
    expect(fee('channel: open')).toBeLessThanOrEqual(toNano('0.012'));
    expect(fee('registry: register')).toBeLessThanOrEqual(toNano('0.008'));
  });

  it('stays at or below the measured ceilings from a real v5r1 wallet', async () => {
    const rows = await measureGas({prefill: 999, wallet: 'v5r1'});
    const fee = (op: string) => rows.find((r) => r.operation.startsWith(op))!.fee;
    expect(fee('channel: claim voucher (external')).toBeLessThanOrEqual(toNano('0.0031'));
    expect(fee('channel: open')).toBeLessThanOrEqual(toNano('0.0128'));
    // A registration into a full shard: the worst case at any registry size.
    expect(fee('registry: register')).toBeLessThanOrEqual(toNano('0.0092'));
  });
});
