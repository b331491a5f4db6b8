// Gas bounds and fee targets. The GAS_* constants in the Tolk sources set what
// the contracts keep as fee; they must cover the real gas, or the contracts
// would pay the difference from their own balance.
//
// Issue 13's targets from a v5r1 wallet are external claim ≤ 0.003, open ≤ 0.012,
// registration ≤ 0.008 GRAM. The channel meets both from v5r1; registration meets
// it from the sandbox's minimal wallet only, and only where the key lands high in
// the trie (docs/contracts.md, "Gas and fees"), so its v5r1 figures are pinned as
// ceilings: a regression still fails, and a gain shows up as a ceiling to lower.
import {toNano} from '@ton/core';
import {describe, expect, it} from 'vitest';
import {RegistryConst} from '../../src/chain/contracts/constants.js';
import {measureGas, measureRegistrations} from './gas-scenarios.js';

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

  it('meets the channel targets from a real v5r1 wallet, and the pinned registration ceiling', async () => {
    const rows = await measureGas({prefill: 999, wallet: 'v5r1'});
    const fee = (op: string) => rows.find((r) => r.operation.startsWith(op))!.fee;
    expect(fee('channel: claim voucher (external')).toBeLessThanOrEqual(toNano('0.003'));
    expect(fee('channel: open')).toBeLessThanOrEqual(toNano('0.012'));
    // A registration into a full shard: the worst case at any registry size.
    // Measured 0.008958 (0.0091224 before the register-path trims of reg-gas).
    expect(fee('registry: register')).toBeLessThanOrEqual(toNano('0.00896'));
  });

  it('pins the spread of registration fees over 16 node keys into a full shard', async () => {
    // Where a key lands decides how many trie cells the insert rebuilds (600 gas,
    // 0.00024 GRAM each): 11,550 to 13,350 gas over these keys. A full shard bounds
    // it at any registry size (the 100,000-record bench registers into one).
    const v5 = await measureRegistrations({prefill: 999, keys: 16, wallet: 'v5r1'});
    const fees = v5.map((r) => r.fee);
    const max = fees.reduce((a, b) => (a > b ? a : b));
    expect(max).toBeLessThanOrEqual(toNano('0.00968'));
    for (const r of v5) expect(r.gas).toBeLessThanOrEqual(RegistryConst.GAS_REGISTER); // the bound covers the deepest
  });
});
