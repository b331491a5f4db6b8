// Registry at scale (node --import tsx bench/registry-scale.contracts.bench.ts):
// REGISTRY_SCALE_N providers (default 100,000) across 50 models, one of them
// holding a fifth (20,000), seeded straight into the shard accounts with
// setShardAccount (100,000 registrations through messages would take hours),
// plus the index that lists them. Then, at that size: a registration, an
// update, an eviction (from v5r1 wallets), discovery of one model (the index,
// then only that model's shards, at addresses derived client-side) and the
// listing of every model (the index alone). Figures go to docs/contracts.md.
import {randomBytes} from 'node:crypto';
import {performance} from 'node:perf_hooks';
import {Address, fromNano, toNano} from '@ton/core';
import {Blockchain, createShardAccount} from '@ton/sandbox';
import {RegistryConst} from '../src/chain/contracts/constants.js';
import {Registry} from '../src/chain/contracts/registry.js';
import {RegistryIndex} from '../src/chain/contracts/registry-index.js';
import type {ProviderRecord} from '../src/chain/contracts/registry-codec.js';
import {makeWallet, measure} from '../test/contracts/gas-scenarios.js';
import {sampleProfile} from '../test/contracts/fixtures.js';
import {cellsOf} from './lib/cells.js';
import {emitResult} from './lib/result.js';

const N = Number(process.env.REGISTRY_SCALE_N ?? 100_000);
const MODELS = 50;
const BIG = Math.round(N / 5);
const CAP = RegistryConst.SHARD_CAPACITY;
// Seeded shards hold one record less than they can, so the measured registration
// lands in the fullest shard possible: the worst case at any registry size.
const FILL = CAP - 1;
const YEAR = 365 * 24 * 3600;
const out = (line: string) => process.stdout.write(`${line}\n`);


const blockchain = await Blockchain.create();
const t0 = Math.floor(Date.now() / 1000);
blockchain.now = t0;
const funder = await blockchain.treasury('funder');
const owner = await makeWallet(blockchain, funder);
const genesis = {owner: owner.address, params: {minStake: toNano('1'), unbondingDelay: 600}};
const rate = 3950n; // a typical record's rent per 65,536 s (checked below against get_record_rate)

// The mix: model 0 holds BIG, the other 49 share the rest.
const perModel = Array.from({length: MODELS}, (_, i) => (i === 0 ? BIG : Math.floor((N - BIG) / (MODELS - 1)) + (i <= (N - BIG) % (MODELS - 1) ? 1 : 0)));
const modelName = (i: number) => `model-${String(i).padStart(2, '0')}-${i === 0 ? 'qwen2.5-7b-instruct-q4_k_m' : 'q4_k_m'}`;
let t = performance.now();
let seeded = 0;
let shardsTotal = 0;
let stateCells = 0;
let stateBits = 0;
const expired: {shard: Address; nodeKey: Buffer; owner: Address}[] = [];
for (let m = 0; m < MODELS; m++) {
  const shards = Math.ceil(perModel[m]! / FILL);
  for (let s = 0; s < shards; s++) {
    const n = Math.min(FILL, perModel[m]! - s * FILL);
    const records: ProviderRecord[] = Array.from({length: n}, (_, k) => ({
      ...sampleProfile({model: modelName(m), endpoint: `http://198.51.${(seeded + k) >> 8 & 255}.${(seeded + k) & 255}:8080`}),
      owner: new Address(0, randomBytes(32)),
      status: 'active' as const,
      stake: toNano('1'),
      registeredAt: t0 - YEAR,
      updatedAt: t0 - YEAR,
      unlockAt: 0,
      // One record per shard ran out of rent 40 days ago: evictable.
      paidUntil: k === 0 ? t0 - 40 * 24 * 3600 : t0 + YEAR,
      rentRate: rate,
    }));
    const shard = Registry.createFromConfig({...genesis, model: modelName(m), shardIndex: s, providers: records});
    const address = Registry.createFromConfig({...genesis, model: modelName(m), shardIndex: s}).address;
    const data = shard.init!.data;
    await blockchain.setShardAccount(address, createShardAccount({address, code: shard.init!.code, data, balance: toNano('1') * BigInt(n) + toNano('1')}));
    expired.push({shard: address, nodeKey: records[0]!.nodeKey, owner: records[0]!.owner});
    const size = cellsOf(data);
    stateCells += size.cells;
    stateBits += size.bits;
    seeded += n;
    shardsTotal++;
  }
}
const index = blockchain.openContract(RegistryIndex.createFromConfig(genesis, perModel.map((n, i) => ({model: modelName(i), shards: Math.ceil(n / FILL)}))));
await blockchain.setShardAccount(index.address, createShardAccount({address: index.address, code: index.init!.code, data: index.init!.data, balance: toNano('1')}));
const seedSeconds = (performance.now() - t) / 1000;
out(`seeded ${seeded} providers in ${shardsTotal} shards of ${MODELS} models (largest ${BIG}) in ${seedSeconds.toFixed(1)} s`);
out(`account data: ${(stateCells / seeded).toFixed(2)} cells and ${(stateBits / seeded).toFixed(0)} bits per record; largest shard ${CAP} records`);

// Reads, as a client does them: the index, then one model's shards.
const listing = blockchain.openContract(RegistryIndex.createFromAddress(index.address, genesis));
const best = async (f: () => Promise<unknown>, runs = 3) => {
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await f();
    ms = Math.min(ms, performance.now() - s);
  }
  return ms;
};
let models: {model: string; shards: number}[] = [];
const listMs = await best(async () => (models = await listing.getModels()));
const indexSize = cellsOf(index.init!.data);
out(`list every model: ${models.length} models from the index alone in ${listMs.toFixed(1)} ms (${indexSize.cells} cells, ${Math.round(indexSize.bits / 8)} bytes of data)`);
const big = models.find((m) => m.model === modelName(0))!;
let found = 0;
const discoverMs = await best(async () => {
  found = 0;
  for (let s = 0; s < big.shards; s++) {
    const snap = await blockchain.openContract(listing.shard(big.model, s)).getSnapshot();
    found += snap.providers.length;
  }
});
out(`discover ${big.model}: ${found} providers from ${big.shards} shard accounts (derived client-side) in ${discoverMs.toFixed(0)} ms (${((discoverMs * 1000) / found).toFixed(1)} µs/record)`);
const small = models.find((m) => m.model === modelName(7))!;
let foundSmall = 0;
const discoverSmallMs = await best(async () => {
  foundSmall = 0;
  for (let s = 0; s < small.shards; s++) foundSmall += (await blockchain.openContract(listing.shard(small.model, s)).getSnapshot()).providers.length;
});
out(`discover ${small.model}: ${foundSmall} providers from ${small.shards} shards in ${discoverSmallMs.toFixed(0)} ms`);

// Writes at this size, from v5r1 wallets.
const alice = await makeWallet(blockchain, funder);
const stranger = await makeWallet(blockchain, funder);
// The big model's first shard holds FILL records: register there.
const lastShard = blockchain.openContract(listing.shard(big.model, 0));
const profile = sampleProfile({model: big.model});
const checkRate = await lastShard.getRecordRate(profile);
const quote = await lastShard.getRegisterQuote({profile, stake: toNano('1')});
const rows: {operation: string; gas: number; fee: bigint}[] = [];
const row = async (operation: string, contract: Address, accounts: Address[], run: () => Promise<unknown>) => {
  const m = await measure(blockchain, accounts, contract, run as never);
  rows.push({operation, ...m});
  out(`${operation}: ${m.gas} gas, ${fromNano(m.fee)} GRAM from a v5r1 wallet`);
};
const before = await lastShard.getProviderCount();
await row(`register into ${big.model} shard 0 (${before} records; prepaid rent ${fromNano(quote.rent)} GRAM held, not a fee)`, lastShard.address, [alice.address, lastShard.address], () =>
  lastShard.sendRegister(alice.sender, {value: quote.value, stake: toNano('1'), profile}),
);
await row('update (heartbeat: +1 year of rent)', lastShard.address, [alice.address, lastShard.address], () =>
  lastShard.sendUpdate(alice.sender, {value: toNano('0.02') + quote.rent, rent: quote.rent, profile: {...profile, promptPrice: 7n}}),
);
const victim = expired.find((e) => e.shard.equals(lastShard.address))!;
await row('evict an expired record (anyone)', lastShard.address, [stranger.address, lastShard.address, victim.owner], () =>
  lastShard.sendEvict(stranger.sender, {value: toNano('0.02'), nodeKey: victim.nodeKey}),
);
const rentYear = (checkRate * BigInt(YEAR)) / 65536n;
out(`record rent: ${fromNano(rentYear)} GRAM/year (get_record_rate ${checkRate} per 65,536 s; seeded with ${rate})`);
emitResult('registry-scale', {
  providers: seeded,
  models: MODELS,
  largestModel: BIG,
  shards: shardsTotal,
  shardCapacity: CAP,
  seedSeconds,
  cellsPerRecord: stateCells / seeded,
  bitsPerRecord: stateBits / seeded,
  listModelsMs: listMs,
  indexCells: indexSize.cells,
  discoverLargestMs: discoverMs,
  discoverLargestShards: big.shards,
  discoverSmallMs,
  rentPerRecordGramYear: fromNano(rentYear),
  rows: rows.map((r) => ({...r, fee: r.fee.toString()})),
});
