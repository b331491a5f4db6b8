// The sharded registry through the product: on an in-process devnet whose
// general shard is filled (1,000 records seeded straight into the account, as
// the scale bench seeds shards), registration lands in a model shard and
// deploys the model's next one when its shards are full; discovery of one model
// reads the general shard, the index and only that model's shards (counted at
// the chain client); discovery without a model reads every shard the index
// lists; update, unregister and withdraw find the record in its shard.
import fs from 'node:fs';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {Address, Cell, toNano} from '@ton/core';
import {createShardAccount, type Blockchain} from '@ton/sandbox';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {RegistryConst} from '../../src/chain/contracts/constants.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import type {ProviderProfile, ProviderRecord} from '../../src/chain/contracts/registry-codec.js';
import {registryIndexData} from '../../src/chain/contracts/registry-index-codec.js';
import {readIndexGenesis, RegistryIndex} from '../../src/chain/contracts/registry-index.js';
import {readRegistryData} from '../../src/chain/contracts/registry-reader.js';
import {contractCode} from '../../src/chain/contracts/code.js';
import {auditBoardOf} from '../../src/chain/contracts/audit-board.js';
import {discoverProviders, readRegistry} from '../../src/consumer/discovery.js';
import {
  getRegistration,
  planRegistration,
  registerProvider,
  SHARD_DEPLOY_VALUE,
  unregisterProvider,
  updateProvider,
  withdrawStake,
  type RegistryAccess,
} from '../../src/provider/registration.js';
import {sampleProfile} from '../contracts/fixtures.js';
import {tempHome} from '../helpers/home.js';
import {startChain, type TestChain, type TestWallet} from './devnet-network.js';

const CAP = RegistryConst.SHARD_CAPACITY;
const YEAR = 365 * 24 * 3600;

let chain: TestChain;
let index: RegistryIndex;
let blockchain: Blockchain;
/** Every account the chain client read (getContractState) or ran a get-method on, in order. */
const reads: {kind: 'state' | 'get'; address: string}[] = [];

function seeded(model: string, n: number, now: number): ProviderRecord[] {
  return Array.from({length: n}, (_, k) => ({
    ...sampleProfile({model, endpoint: `http://198.51.100.${k & 255}:${8000 + (k >> 8)}`}),
    owner: new Address(0, randomBytes(32)),
    status: 'active' as const,
    stake: toNano('1'),
    registeredAt: now,
    updatedAt: now,
    unlockAt: 0,
    paidUntil: now + YEAR,
    rentRate: 3950n,
  }));
}

async function readData(address: Address): Promise<Cell> {
  const s = await chain.client.ton.getContractState(address);
  return Cell.fromBoc(s.data!)[0]!;
}

/** Put `records` into the shard at `address` (which need not exist yet), as the scale bench seeds shards. */
async function seedShard(model: string, shardIndex: number, records: ProviderRecord[]): Promise<Address> {
  const shard = index.shard(model, shardIndex);
  const data = Registry.createFromConfig({...index.genesis!, model, shardIndex, directory: index.address, providers: records}).init!.data;
  await blockchain.setShardAccount(shard.address, createShardAccount({address: shard.address, code: shard.init!.code, data, balance: toNano('1') * BigInt(records.length) + toNano('1')}));
  return shard.address;
}

function countReads<T>(work: () => Promise<T>): Promise<{result: T; reads: typeof reads}> {
  const from = reads.length;
  return work().then((result) => ({result, reads: reads.slice(from)}));
}

function profileOf(model: string): ProviderProfile {
  return sampleProfile({model, endpoint: `http://127.0.0.1:${20000 + Math.floor(Math.random() * 10000)}`});
}

let beta: {wallet: TestWallet; access: RegistryAccess; profile: ProviderProfile};
let alpha: {wallet: TestWallet; access: RegistryAccess; profile: ProviderProfile};

beforeAll(async () => {
  chain = await startChain();
  blockchain = (chain.server.chain as unknown as {blockchain: Blockchain}).blockchain;
  const general = readRegistryData(await readData(chain.registry));
  const genesis = readIndexGenesis(await readData(general.directory));
  index = RegistryIndex.createFromAddress(general.directory, genesis);
  expect(index.shard('', 0).address.equals(chain.registry)).toBe(true);
  const now = chain.server.info().now;
  // The general shard full; model "alpha" has one full shard the index lists.
  await seedShard('', 0, seeded('seed-model', CAP, now));
  await seedShard('alpha', 0, seeded('alpha', CAP, now));
  const indexState = await blockchain.getContract(index.address);
  await blockchain.setShardAccount(
    index.address,
    createShardAccount({address: index.address, code: contractCode('registry-index'), data: registryIndexData(genesis, contractCode('registry'), [{model: 'alpha', shards: 1}]), balance: indexState.balance}),
  );
  // Count the chain client's reads from here on.
  const ton = chain.client.ton as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const [method, kind] of [['getContractState', 'state'], ['runMethod', 'get']] as const) {
    const original = ton[method]!.bind(chain.client.ton);
    ton[method] = (address: unknown, ...rest: unknown[]) => {
      reads.push({kind, address: (address as Address).toRawString()});
      return original(address, ...rest);
    };
  }
  const provider = async (model: string) => {
    const wallet = await chain.wallet(20);
    return {wallet, access: {client: chain.client, registry: chain.registry, sender: wallet.sender, journalDir: path.join(tempHome(), 'journal')}, profile: profileOf(model)};
  };
  beta = await provider('beta');
  alpha = await provider('alpha');
}, 180_000);

afterAll(async () => {
  await chain?.close();
});

describe('registration into the sharded registry', () => {
  it('plans the general shard while it has room, and the model shard once it is full', async () => {
    const plan = await planRegistration(beta.access, {profile: beta.profile, stake: toNano(2)});
    expect(plan).toMatchObject({model: 'beta', shardIndex: 0, deploy: SHARD_DEPLOY_VALUE});
    expect(plan.shard.equals(index.shard('beta', 0).address)).toBe(true);
    expect(plan.quote.announce).toBe(toNano('0.01'));
    expect(plan.total).toBe(SHARD_DEPLOY_VALUE + plan.quote.value);
  });

  it('lands in a new model shard once the general shard is full, and the index lists it', async () => {
    const record = await registerProvider(beta.access, {profile: beta.profile, stake: toNano(2)});
    expect(record.model).toBe('beta');
    const shard = chain.client.ton.open(Registry.createFromAddress(index.shard('beta', 0).address));
    expect((await shard.getProvider(beta.profile.nodeKey))?.owner.equals(beta.wallet.address)).toBe(true);
    expect(readRegistryData(await readData(chain.registry)).count).toBe(CAP);
    const models = await chain.client.ton.open(index).getModels();
    expect(models.find((m) => m.model === 'beta')).toEqual({model: 'beta', shards: 1});
  });

  it("deploys the model's next shard when its listed shards are full", async () => {
    const plan = await planRegistration(alpha.access, {profile: alpha.profile, stake: toNano(2)});
    expect(plan).toMatchObject({model: 'alpha', shardIndex: 1, deploy: SHARD_DEPLOY_VALUE});
    await registerProvider(alpha.access, {profile: alpha.profile, stake: toNano(2)});
    const models = await chain.client.ton.open(index).getModels();
    expect(models.find((m) => m.model === 'alpha')).toEqual({model: 'alpha', shards: 2});
    const located = await getRegistration(chain.client, chain.registry, alpha.profile.nodeKey, 'alpha');
    expect(located?.owner.equals(alpha.wallet.address)).toBe(true);
    // A second registration into alpha's shard 1 needs no deploy now.
    const next = await planRegistration(alpha.access, {profile: profileOf('alpha'), stake: toNano(2)});
    expect(next).toMatchObject({shardIndex: 1, deploy: 0n});
  });

  it('refuses a node key registered already, wherever its record is', async () => {
    await expect(registerProvider(beta.access, {profile: beta.profile, stake: toNano(2)})).rejects.toMatchObject({code: 'ALREADY_EXISTS'});
  });
});

describe('discovery over shards', () => {
  it("reads the general shard, the index and only the model's shards for one model", async () => {
    const betaShard = index.shard('beta', 0).address.toRawString();
    const {result, reads: r} = await countReads(() => discoverProviders({client: chain.client, registry: chain.registry, filter: {model: 'BETA'}, liveness: false, cacheMs: 0}));
    expect(result.map((p) => p.record.nodeKey.toString('hex'))).toEqual([beta.profile.nodeKey.toString('hex')]);
    // The audit board is read beside the shards: one account, derived from the index.
    const board = auditBoardOf(index.address, index.genesis!).address.toRawString();
    expect(r).toEqual([
      {kind: 'state', address: chain.registry.toRawString()},
      {kind: 'state', address: index.address.toRawString()},
      {kind: 'state', address: betaShard},
      {kind: 'state', address: board},
    ]);
    console.log(`discovery of "beta": ${r.length} chain reads (general shard, index, 1 model shard, audit board)`);

    const alphaRead = await countReads(() => readRegistry({client: chain.client, registry: chain.registry, model: 'alpha', cacheMs: 0}));
    expect(alphaRead.reads.map((x) => x.address)).toEqual([chain.registry, index.address, index.shard('alpha', 0).address, index.shard('alpha', 1).address].map((a) => a.toRawString()).concat(board));
    expect(alphaRead.result.records.filter((x) => x.model === 'alpha')).toHaveLength(CAP + 1);
    console.log(`discovery of "alpha": ${alphaRead.reads.length} chain reads (general shard, index, 2 model shards), ${alphaRead.result.records.length} records parsed`);
  });

  it('reads the index and every shard it lists without a model, and finds records in each', async () => {
    const {result, reads: r} = await countReads(() => discoverProviders({client: chain.client, registry: chain.registry, liveness: false, cacheMs: 0}));
    const read = new Set(r.map((x) => x.address));
    for (const a of [chain.registry, index.address, index.shard('alpha', 0).address, index.shard('alpha', 1).address, index.shard('beta', 0).address, auditBoardOf(index.address, index.genesis!).address]) expect(read.has(a.toRawString())).toBe(true);
    expect(r).toHaveLength(6);
    const models = new Map<string, number>();
    for (const p of result) models.set(p.record.model, (models.get(p.record.model) ?? 0) + 1);
    expect(Object.fromEntries(models)).toEqual({'seed-model': CAP, alpha: CAP + 1, beta: 1});
    console.log(`discovery without a model: ${r.length} chain reads (general shard, index, 3 model shards, audit board), ${result.length} records`);
  });

  it('caches each shard apart: a second discovery within the cache age reads nothing', async () => {
    const cacheFile = path.join(tempHome(), 'cache', 'registry.json');
    const options = {client: chain.client, registry: chain.registry, filter: {model: 'alpha'}, liveness: false, cacheMs: 60_000, cacheFile};
    const first = await countReads(() => discoverProviders(options));
    // General shard, index, alpha's two shards and the (not yet deployed) audit board: its absence is cached too.
    expect(first.reads).toHaveLength(5);
    expect(fs.readdirSync(path.dirname(cacheFile))).toHaveLength(5);
    const second = await countReads(() => discoverProviders(options));
    expect(second.reads).toHaveLength(0);
    expect(second.result).toHaveLength(first.result.length);
  });
});

describe('record operations find the record in its shard', () => {
  it('updates the record in its model shard, and refuses to move it to another model', async () => {
    const updated = await updateProvider(beta.access, {profile: {...beta.profile, endpoint: 'http://127.0.0.1:9999', completionPrice: 77n}});
    expect(updated).toMatchObject({endpoint: 'http://127.0.0.1:9999', completionPrice: 77n, model: 'beta'});
    const inShard = await chain.client.ton.open(Registry.createFromAddress(index.shard('beta', 0).address)).getProvider(beta.profile.nodeKey);
    expect(inShard?.completionPrice).toBe(77n);
    await expect(updateProvider(beta.access, {profile: {...beta.profile, model: 'gamma'}})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });

  it('unregisters by node key alone (no model given), and withdraw finds the record too', async () => {
    const record = await unregisterProvider(beta.access, {nodeKey: beta.profile.nodeKey});
    expect(record.status).toBe('unbonding');
    const again = await getRegistration(chain.client, chain.registry, beta.profile.nodeKey);
    expect(again?.status).toBe('unbonding');
    // Located in alpha's shard 1, still active: withdraw says so instead of "not registered".
    await expect(withdrawStake(alpha.access, {nodeKey: alpha.profile.nodeKey})).rejects.toThrow(/active/);
    // Located in beta's shard, unbonding: too early.
    await expect(withdrawStake(beta.access, {nodeKey: beta.profile.nodeKey})).rejects.toThrow(/unlocks at/);
    // A wallet's first record, by owner, from a model shard.
    expect((await getRegistration(chain.client, chain.registry, alpha.wallet.address))?.nodeKey.equals(alpha.profile.nodeKey)).toBe(true);
  });

  it('says not registered for a node key in no shard', async () => {
    await expect(unregisterProvider(beta.access, {nodeKey: randomBytes(32)})).rejects.toMatchObject({code: 'NOT_FOUND'});
  });
});

describe('the app over shards', () => {
  it('registry show counts the records of every listed shard; providers list finds a model in its shards', async () => {
    const {AppContext} = await import('../../src/app/context.js');
    const {Settings} = await import('../../src/config/settings.js');
    const {showRegistry} = await import('../../src/app/registry.js');
    const {listProviders} = await import('../../src/app/providers.js');
    process.env.COCOON_HOME = tempHome();
    process.env.COCOON_DEVNET_PORT = new URL(chain.server.url).port;
    const app = AppContext.open({settings: await Settings.open()});
    const shown = await showRegistry(app);
    expect(shown.shard).toMatchObject({model: '', shardIndex: 0, count: CAP});
    expect(shown.models.sort((a, b) => a.model.localeCompare(b.model))).toEqual([
      {model: 'alpha', shards: 2},
      {model: 'beta', shards: 1},
    ]);
    expect(shown.shardRecords?.map((r) => [r.model, r.shardIndex, r.records]).sort()).toEqual([
      ['alpha', 0, CAP],
      ['alpha', 1, 1],
      ['beta', 0, 1],
    ]);
    const listed = await listProviders(app, {filter: {model: 'beta'}, check: false});
    // beta's only record is unbonding by now; alpha's registered one is in alpha's shard 1.
    expect(listed.providers).toEqual([]);
    const alphas = await listProviders(app, {filter: {model: 'alpha'}, check: false});
    expect(alphas.providers.length).toBe(CAP + 1);
  });
});

describe('a full shard with a record that stopped paying rent', () => {
  it('a registration evicts it and takes its room instead of deploying a shard; its owner gets the stake back less the overrun', async () => {
    const now = chain.server.info().now;
    const records = seeded('seed-model', CAP, now);
    // One record's rent ran out 40 days ago: past the 30-day grace, anyone may evict it.
    const lapsed = records[17]!;
    lapsed.paidUntil = now - 40 * 24 * 3600;
    await seedShard('', 0, records);
    const gamma = {wallet: await chain.wallet(20), profile: profileOf('gamma')};
    const access: RegistryAccess = {client: chain.client, registry: chain.registry, sender: gamma.wallet.sender, journalDir: path.join(tempHome(), 'journal')};
    const plan = await planRegistration(access, {profile: gamma.profile, stake: toNano(2)});
    expect(plan).toMatchObject({model: '', shardIndex: 0, deploy: 0n});
    expect(plan.evict?.nodeKey.equals(lapsed.nodeKey)).toBe(true);
    expect(plan.shard.equals(chain.registry)).toBe(true);
    const record = await registerProvider(access, {profile: gamma.profile, stake: toNano(2)});
    expect(record.owner.equals(gamma.wallet.address)).toBe(true);
    const shard = readRegistryData(await readData(chain.registry));
    expect(shard.count).toBe(CAP);
    expect(shard.providers.some((p) => p.nodeKey.equals(lapsed.nodeKey))).toBe(false);
    expect(shard.providers.some((p) => p.nodeKey.equals(gamma.profile.nodeKey))).toBe(true);
    // The stake (1 GRAM) less 40 days of overrun rent went to the lapsed record's owner.
    const refunded = await chain.client.balance(lapsed.owner);
    expect(refunded).toBeGreaterThan(toNano('0.99'));
    expect(refunded).toBeLessThan(toNano('1'));
  });
});

describe('a full model shard with a record that stopped paying rent', () => {
  it('a registration of that model evicts it there, before any later shard of the model', async () => {
    const now = chain.server.info().now;
    const records = seeded('alpha', CAP, now);
    const lapsed = records[3]!;
    lapsed.paidUntil = now - 40 * 24 * 3600;
    await seedShard('alpha', 0, records);
    const delta = {wallet: await chain.wallet(20), profile: profileOf('alpha')};
    const access: RegistryAccess = {client: chain.client, registry: chain.registry, sender: delta.wallet.sender, journalDir: path.join(tempHome(), 'journal')};
    const plan = await planRegistration(access, {profile: delta.profile, stake: toNano(2)});
    expect(plan).toMatchObject({model: 'alpha', shardIndex: 0, deploy: 0n});
    expect(plan.evict?.nodeKey.equals(lapsed.nodeKey)).toBe(true);
    await registerProvider(access, {profile: delta.profile, stake: toNano(2)});
    const shard = readRegistryData(await readData(index.shard('alpha', 0).address));
    expect(shard.count).toBe(CAP);
    expect(shard.providers.some((p) => p.nodeKey.equals(lapsed.nodeKey))).toBe(false);
    expect(shard.providers.some((p) => p.nodeKey.equals(delta.profile.nodeKey))).toBe(true);
  });
});
