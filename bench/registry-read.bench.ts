// Registry read benchmark (node --import tsx bench/registry-read.bench.ts):
// 1,000 providers register through real messages in @ton/sandbox, then the
// consumer side reads them all (a) from the account's data cell in one read and
// (b) one get_provider call each. Also prints the account-state size per record
// and its storage rent, from the sandbox's config. Figures go to docs/benchmarks.md.
import {performance} from 'node:perf_hooks';
import {Cell, Dictionary, fromNano, toNano} from '@ton/core';
import {Blockchain} from '@ton/sandbox';
import {Registry} from '../src/chain/contracts/registry.js';
import {readRegistryData} from '../src/chain/contracts/registry-reader.js';
import {keyPair, sampleProfile} from '../test/contracts/fixtures.js';
import {cellsOf as stateSize} from './lib/cells.js';
import {emitResult} from './lib/result.js';

const N = Number(process.env.REGISTRY_BENCH_N ?? 1000);
const out = (line: string) => process.stdout.write(`${line}\n`);


function storagePrices(config: Cell): {bitPs: bigint; cellPs: bigint} {
  // config param 18: a dictionary of StoragePrices; the last entry is current.
  // storage_prices#cc utime_since:uint32 bit_price_ps:uint64 cell_price_ps:uint64 mc_bit_price_ps:uint64 mc_cell_price_ps:uint64
  const dict = Dictionary.loadDirect(Dictionary.Keys.Int(32), Dictionary.Values.Cell(), config);
  const prices = Dictionary.loadDirect(
    Dictionary.Keys.Uint(32),
    {
      serialize: () => {
        throw new Error('read only');
      },
      parse: (s) => {
        s.loadUint(8);
        s.loadUint(32);
        return {bitPs: s.loadUintBig(64), cellPs: s.loadUintBig(64)};
      },
    },
    dict.get(18)!,
  );
  return prices.values()[prices.size - 1]!;
}

const blockchain = await Blockchain.create();
const owner = await blockchain.treasury('owner');
const registry = blockchain.openContract(Registry.createFromConfig({owner: owner.address, params: {minStake: toNano('1'), unbondingDelay: 60}}));
await registry.sendDeploy(owner.getSender(), toNano('1'));
const nodeKeys: Buffer[] = [];
let t = performance.now();
for (let i = 0; i < N; i++) {
  const wallet = await blockchain.treasury(`provider-${i}`);
  const profile = sampleProfile({
    nodeKey: keyPair().publicKey,
    endpoint: `http://198.51.${Math.floor(i / 250)}.${i % 250}:8080`,
    model: `model-${i % 37}-q4_k_m`,
    architecture: ['llama', 'qwen', 'deepseek', 'mistral'][i % 4]!,
  });
  const quote = await registry.getRegisterQuote({profile, stake: toNano('1')});
  nodeKeys.push(profile.nodeKey);
  await registry.sendRegister(wallet.getSender(), {value: quote.value, stake: toNano('1'), profile});
}
const registerSeconds = (performance.now() - t) / 1000;
out(`registered ${N} providers through messages in ${registerSeconds.toFixed(1)} s`);

// (a) one account-state read, parsed client-side
const runs = 5;
let snapshotMs = Infinity;
let parseMs = Infinity;
let count = 0;
for (let r = 0; r < runs; r++) {
  t = performance.now();
  const snap = await registry.getSnapshot();
  snapshotMs = Math.min(snapshotMs, performance.now() - t);
  count = snap.providers.length;
  const state = await blockchain.getContract(registry.address);
  const data = state.accountState?.type === 'active' ? state.accountState.state.data! : new Cell();
  t = performance.now();
  readRegistryData(data);
  parseMs = Math.min(parseMs, performance.now() - t);
}
if (count !== N) throw new Error(`snapshot has ${count} providers, expected ${N}`);

// (b) one get-method per provider
t = performance.now();
for (const k of nodeKeys) {
  if (!(await registry.getProvider(k))) throw new Error('missing record');
}
const getterMs = performance.now() - t;

out(`data-cell read (getState + parse, best of ${runs}): ${snapshotMs.toFixed(1)} ms for ${N} records (${((snapshotMs * 1000) / N).toFixed(1)} µs/record)`);
out(`  of which parsing the data cell: ${parseMs.toFixed(1)} ms`);
out(`get_provider one by one: ${getterMs.toFixed(0)} ms (${(getterMs / N).toFixed(2)} ms/record)`);
out(`ratio get-method / data-cell read: ${(getterMs / snapshotMs).toFixed(0)}×`);

const state = await blockchain.getContract(registry.address);
const data = state.accountState?.type === 'active' ? state.accountState.state.data! : new Cell();
const size = stateSize(data);
const {bitPs, cellPs} = storagePrices(blockchain.config);
const perRecord = {cells: size.cells / N, bits: size.bits / N};
const year = 365n * 24n * 3600n;
const rentPerRecord = ((BigInt(Math.round(perRecord.bits)) * bitPs + BigInt(Math.round(perRecord.cells * 100)) * cellPs / 100n) * year) / 65536n;
out(`account data: ${size.cells} cells, ${size.bits} bits → ${perRecord.cells.toFixed(2)} cells and ${perRecord.bits.toFixed(0)} bits per record`);
out(`storage rent per record: ${fromNano(rentPerRecord)} TON/year (bit ${bitPs}, cell ${cellPs} nanoTON per 2^16 s)`);
out(`records under a 65,536-cell account-state limit: ~${Math.floor(65536 / perRecord.cells)}`);
emitResult('registry-read', {
  providers: N,
  registerSeconds,
  snapshotMs,
  parseMs,
  getterMs,
  ratio: getterMs / snapshotMs,
  cellsPerRecord: perRecord.cells,
  bitsPerRecord: perRecord.bits,
  rentPerRecordTonYear: fromNano(rentPerRecord),
  recordsUnderCellLimit: Math.floor(65536 / perRecord.cells),
});
