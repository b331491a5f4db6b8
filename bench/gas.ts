// Gas and all-in fees of every contract operation (npm run gas). Each operation
// runs in @ton/sandbox twice: sent from a real v5r1 wallet (what users have) and
// from the sandbox's minimal treasury wallet. The fee is everything the chain of
// transactions burned: the sending wallet's own transaction, forward fees, the
// contract's gas and storage, payouts and their receipt. Figures go to
// docs/benchmarks.md ("Contracts: gas and fees").
import {fromNano} from '@ton/core';
import {measureGas} from '../test/contracts/gas-scenarios.js';
import {emitResult} from './lib/result.js';

// 999: the measured registration lands in a full shard, the worst case at any registry size.
const prefill = Number(process.env.GAS_PREFILL ?? 999);
const v5 = await measureGas({prefill, wallet: 'v5r1'});
const treasury = await measureGas({prefill, wallet: 'treasury'});
const verdict = (fee: bigint, target?: bigint) => (target === undefined ? '' : fee <= target ? ' ✓' : ' ✗');
const lines = [
  `| operation | gas | gas bound | fee from v5r1 wallet, GRAM | fee from sandbox treasury, GRAM | target, GRAM |`,
  `|---|---:|---:|---:|---:|---:|`,
  ...v5.map((r, i) => {
    const t = treasury[i]!;
    return `| ${r.operation} | ${r.gas} | ${r.bound ?? ''} | ${fromNano(r.fee)}${verdict(r.fee, r.target)} | ${fromNano(t.fee)}${verdict(t.fee, t.target)} | ${r.target ? `≤ ${fromNano(r.target)}` : ''} |`;
  }),
];
process.stdout.write(`registry shard holding ${prefill} records before the measured registration\n${lines.join('\n')}\n`);
emitResult('gas', {
  prefill,
  rows: v5.map((r, i) => ({operation: r.operation, gas: r.gas, bound: r.bound, target: r.target, feeV5r1: r.fee, feeTreasury: treasury[i]!.fee})),
});
