// Gas bounds and fee targets. The GAS_* constants in the Tolk sources set what
// the contracts keep as fee; they must cover the real gas, or the contracts
// would pay the difference from their own balance.
import {toNano} from '@ton/core';
import {describe, expect, it} from 'vitest';
import {measureGas} from './gas-scenarios.js';

describe('gas', () => {
  it('stays within every GAS_* bound, in a full shard', async () => {
    const rows = await measureGas({prefill: 999, wallet: 'treasury'});
    for (const r of rows) {
      if (r.bound !== undefined) expect(r.gas, r.operation).toBeLessThanOrEqual(r.bound);
      expect(r.gas, r.operation).toBeGreaterThan(0);
    }
  });

  it('meets the channel fee targets from a real v5r1 wallet', async () => {
    const rows = await measureGas({prefill: 10, wallet: 'v5r1'});
    const fee = (op: string) => rows.find((r) => r.operation.startsWith(op))!.fee;
    expect(fee('channel: claim voucher (external')).toBeLessThanOrEqual(toNano('0.003'));
    expect(fee('channel: open')).toBeLessThanOrEqual(toNano('0.012'));
    expect(fee('registry: register')).toBeLessThanOrEqual(toNano('0.008'));
  });

  it('meets the registration target from a v5r1 wallet into a full shard (999 records: the worst case at any registry size)', async () => {
    const rows = await measureGas({prefill: 999, wallet: 'v5r1'});
    expect(rows.find((r) => r.operation.startsWith('registry: register'))!.fee).toBeLessThanOrEqual(toNano('0.008'));
  });
});
