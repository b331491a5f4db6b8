// Gas bounds and fee targets. The GAS_* constants in the Tolk sources set what
// the contracts keep as fee; they must cover the real gas, or the contracts
// would pay the difference from their own balance.
import {toNano} from '@ton/core';
import {describe, expect, it} from 'vitest';
import {measureGas} from './gas-scenarios.js';

describe('gas', () => {
  it('stays within every GAS_* bound, in a registry of 4,000 records (bench/gas.ts checks 20,000)', async () => {
    const rows = await measureGas({prefill: 4000, wallet: 'treasury'});
    for (const r of rows) {
      if (r.bound !== undefined) expect(r.gas, r.operation).toBeLessThanOrEqual(r.bound);
      expect(r.gas, r.operation).toBeGreaterThan(0);
    }
  });

  it('meets the channel fee targets from a real v5r1 wallet', async () => {
    const rows = await measureGas({prefill: 10, wallet: 'v5r1'});
    const fee = (op: string) => rows.find((r) => r.operation.startsWith(op))!.fee;
    expect(fee('channel: claim voucher (external')).toBeLessThanOrEqual(toNano('0.005'));
    expect(fee('channel: open')).toBeLessThanOrEqual(toNano('0.012'));
    // A v5r1 wallet's own transaction costs ~0.0032 TON: registration stays under
    // 0.008 only while the registry is small (docs/contracts.md, "Fees").
    expect(fee('registry: register')).toBeLessThanOrEqual(toNano('0.008'));
  });

  it('meets the registration target at 1,000 records from the sandbox wallet', async () => {
    const rows = await measureGas({prefill: 1000, wallet: 'treasury'});
    expect(rows.find((r) => r.operation.startsWith('registry: register'))!.fee).toBeLessThanOrEqual(toNano('0.008'));
  });
});
