// Regression tests for the registry findings of issue 13 (R1, R2, R3, ownership,
// many nodes per wallet). On the v1 registry all of them failed (R1: 1,996.69
// GRAM held against 2,001 GRAM of stakes after two years).
import {randomBytes} from 'node:crypto';
import {Address, toNano} from '@ton/core';
import {createShardAccount, type SandboxContract} from '@ton/sandbox';
import {describe, expect, it} from 'vitest';
import {ExitCode, RegistryConst, RegistryOp} from '../../src/chain/contracts/constants.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import type {ProviderRecord} from '../../src/chain/contracts/registry-codec.js';
import {feeFor, registryWorld, sampleProfile, T0, type RegistryWorld} from './fixtures.js';
import {registerWith} from './registry-fixtures.js';

const YEAR = 365 * 24 * 3600;

/** A shard seeded with `n` records of random owners, each prepaid for `prepaid` seconds, holding exactly stakes + prepaid rent + `reserve`. */
async function seeded(w: RegistryWorld, n: number, prepaid: number, reserve = toNano('0.05')): Promise<{shard: SandboxContract<Registry>; records: ProviderRecord[]}> {
  const rate = await w.registry.getRecordRate(sampleProfile());
  const records: ProviderRecord[] = Array.from({length: n}, () => ({
    ...sampleProfile(),
    owner: new Address(0, randomBytes(32)),
    status: 'active' as const,
    stake: toNano('1'),
    registeredAt: T0,
    updatedAt: T0,
    unlockAt: 0,
    paidUntil: T0 + prepaid,
    rentRate: rate,
  }));
  const shard = w.blockchain.openContract(Registry.createFromConfig({owner: w.owner.address, params: w.params, model: 'seeded', providers: records}));
  const rent = (BigInt(prepaid) * rate) / 65536n;
  const balance = toNano('1') * BigInt(n) + rent * BigInt(n) + reserve;
  await w.blockchain.setShardAccount(shard.address, createShardAccount({address: shard.address, code: shard.init!.code, data: shard.init!.data, balance}));
  return {shard, records};
}

const balanceOf = async (w: RegistryWorld, a: Address) => (await w.blockchain.getContract(a)).balance;

/** What the shard owes its records now: each stake less the rent that record overran. */
function owed(records: ProviderRecord[], now: number): bigint {
  return records.reduce((sum, r) => {
    const over = now > r.paidUntil! ? (BigInt(now - r.paidUntil!) * r.rentRate!) / 65536n : 0n;
    return sum + (r.stake > over ? r.stake - over : 0n);
  }, 0n);
}

describe('registry findings (issue 13)', () => {
  it('R1: rent never comes out of stakes: after 2 and 10 years every record is still owed in full, and the last one is paid', async () => {
    const w = await registryWorld();
    const {shard, records} = await seeded(w, 300, YEAR);
    for (const years of [2, 10]) {
      w.blockchain.now = T0 + years * YEAR;
      await w.bob.send({to: shard.address, value: toNano('0.01')}); // a transaction, so rent is charged
      expect(await balanceOf(w, shard.address), `after ${years} years`).toBeGreaterThanOrEqual(owed(records, w.blockchain.now));
    }
    // A stranger evicts them all; every owner gets its stake less its own overrun rent.
    for (const r of records) {
      const res = await shard.sendEvict(w.bob.getSender(), {value: toNano('0.05'), nodeKey: r.nodeKey});
      // Owners here are bare addresses: the payout lands as a plain credit (no code runs there).
      const over = (BigInt(w.blockchain.now! - r.paidUntil!) * r.rentRate!) / 65536n;
      expect(res.transactions).toHaveTransaction({from: shard.address, to: r.owner, op: RegistryOp.StakeEvicted, value: (v) => v! <= r.stake - over && v! > r.stake - over - toNano('0.001')});
    }
    expect(await shard.getParams()).toMatchObject({count: 0, totalStaked: 0n});
    expect(await balanceOf(w, shard.address)).toBeGreaterThan(0n);
  });

  it('R1: a provider that keeps paying rent gets its whole stake back after ten years', async () => {
    const w = await registryWorld();
    const {shard, records} = await seeded(w, 50, YEAR);
    const {profile, quote} = await registerWith(shard, w.alice, {stake: toNano('3')});
    for (let y = 1; y <= 10; y++) {
      w.blockchain.now = T0 + y * YEAR - 3600;
      if (y === 2) {
        // The others stopped paying a year ago: a stranger evicts them, which pays
        // the pool back the rent they overran (their own stakes, not alice's).
        for (const r of records) await shard.sendEvict(w.bob.getSender(), {value: toNano('0.05'), nodeKey: r.nodeKey});
      }
      const rent = (BigInt(YEAR) * quote.rate) / 65536n;
      const r = await shard.sendPayRent(w.bob.getSender(), {value: rent + feeFor(w.blockchain, RegistryConst.GAS_TOPUP), nodeKey: profile.nodeKey});
      expect(r.transactions).toHaveTransaction({to: shard.address, success: true});
    }
    await shard.sendUnregister(w.alice.getSender(), {value: toNano('0.05'), nodeKey: profile.nodeKey});
    w.blockchain.now = w.blockchain.now! + w.params.unbondingDelay;
    const r = await shard.sendWithdraw(w.alice.getSender(), {value: toNano('0.05'), nodeKey: profile.nodeKey});
    expect(r.transactions).toHaveTransaction({from: shard.address, to: w.alice.address, op: RegistryOp.StakeWithdrawn, value: (v) => v! >= toNano('3')});
  });

  it('R2: set_params refuses an unbonding delay over 30 days and a huge minimum stake', async () => {
    const w = await registryWorld();
    for (const params of [{minStake: toNano('1'), unbondingDelay: 0xffffffff}, {minStake: toNano('1'), unbondingDelay: RegistryConst.MAX_UNBONDING_DELAY + 1}, {minStake: toNano('1000001'), unbondingDelay: 60}]) {
      const r = await w.registry.sendSetParams(w.owner.getSender(), {value: toNano('0.05'), params});
      expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PARAMS});
    }
    const r = await w.registry.sendSetParams(w.owner.getSender(), {value: toNano('0.05'), params: {minStake: toNano('1'), unbondingDelay: RegistryConst.MAX_UNBONDING_DELAY}});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    // And the longest delay still lets a provider unregister and withdraw.
    const {profile} = await registerWith(w.registry, w.alice);
    const u = await w.registry.sendUnregister(w.alice.getSender(), {value: toNano('0.05'), nodeKey: profile.nodeKey});
    expect(u.transactions).toHaveTransaction({to: w.registry.address, success: true});
  });

  it('R2: ownership moves in two steps, and only the proposed owner can complete it', async () => {
    const w = await registryWorld();
    let r = await w.registry.sendTransferOwnership(w.alice.getSender(), {value: toNano('0.05'), newOwner: w.alice.address});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_OWNER});
    r = await w.registry.sendAcceptOwnership(w.bob.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_PENDING_OWNER});
    r = await w.registry.sendTransferOwnership(w.owner.getSender(), {value: toNano('0.05'), newOwner: w.bob.address});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    expect((await w.registry.getSnapshot()).pendingOwner!.equals(w.bob.address)).toBe(true);
    // Until bob accepts, the old owner is still in charge and alice cannot accept.
    r = await w.registry.sendAcceptOwnership(w.alice.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_PENDING_OWNER});
    r = await w.registry.sendAcceptOwnership(w.bob.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    const snap = await w.registry.getSnapshot();
    expect(snap.owner.equals(w.bob.address) && snap.pendingOwner === undefined).toBe(true);
    r = await w.registry.sendSetParams(w.owner.getSender(), {value: toNano('0.05'), params: w.params});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_OWNER});
    r = await w.registry.sendSetParams(w.bob.getSender(), {value: toNano('0.05'), params: w.params});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
  });

  it('R3: a full shard refuses cleanly; the next shard of the model takes the registration', async () => {
    const w = await registryWorld();
    const {shard} = await seeded(w, RegistryConst.SHARD_CAPACITY, YEAR);
    const {result} = await registerWith(shard, w.alice);
    expect(result.transactions).toHaveTransaction({to: shard.address, success: false, exitCode: ExitCode.SHARD_FULL});
    expect(result.transactions).toHaveTransaction({from: shard.address, to: w.alice.address, inMessageBounced: true});
    const next = w.blockchain.openContract(Registry.createFromConfig({owner: w.owner.address, params: w.params, model: 'seeded', shardIndex: 1}));
    await next.sendDeploy(w.alice.getSender(), toNano('0.05'));
    const ok = await registerWith(next, w.alice);
    expect(ok.result.transactions).toHaveTransaction({to: next.address, success: true});
  });

  it('R3: records expire: anyone evicts after the grace period (not before); an owner cannot squat for free', async () => {
    const w = await registryWorld();
    const {profile} = await registerWith(w.registry, w.alice, {stake: toNano('2'), rentSeconds: 60 * 24 * 3600});
    const rec = (await w.registry.getProvider(profile.nodeKey))!;
    w.blockchain.now = rec.paidUntil! + RegistryConst.GRACE_PERIOD - 1;
    let r = await w.registry.sendEvict(w.bob.getSender(), {value: toNano('0.05'), nodeKey: profile.nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_EXPIRED});
    w.blockchain.now = rec.paidUntil! + RegistryConst.GRACE_PERIOD;
    r = await w.registry.sendEvict(w.bob.getSender(), {value: toNano('0.05'), nodeKey: profile.nodeKey});
    const overrun = (BigInt(RegistryConst.GRACE_PERIOD) * rec.rentRate!) / 65536n;
    expect(r.transactions).toHaveTransaction({from: w.registry.address, to: w.alice.address, op: RegistryOp.StakeEvicted, value: (v) => v! < toNano('2') - overrun && v! > toNano('2') - overrun - toNano('0.001')});
    expect(r.transactions).toHaveTransaction({from: w.registry.address, to: w.bob.address, op: RegistryOp.Excesses});
    expect(await w.registry.getProviderCount()).toBe(0);
    r = await w.registry.sendEvict(w.bob.getSender(), {value: toNano('0.05'), nodeKey: profile.nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_REGISTERED});
  });

  it('R3: a registration must prepay at least 30 days of rent and at most 10 years', async () => {
    const w = await registryWorld();
    const profile = sampleProfile();
    const short = await w.registry.getRegisterQuote({profile, stake: toNano('1'), rentSeconds: RegistryConst.MIN_RENT_PERIOD - 3600});
    let r = await w.registry.sendRegister(w.alice.getSender(), {value: short.value, stake: toNano('1'), profile});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.RENT_TOO_LOW});
    r = await w.registry.sendRegister(w.alice.getSender(), {value: toNano('100'), stake: toNano('1'), profile});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.RENT_TOO_HIGH});
  });

  it('many nodes per wallet: one wallet registers, updates and unregisters several node keys', async () => {
    const w = await registryWorld();
    const nodes = [sampleProfile({model: 'a'}), sampleProfile({model: 'b'}), sampleProfile({model: 'c'})];
    for (const profile of nodes) {
      const {result} = await registerWith(w.registry, w.alice, {profile});
      expect(result.transactions).toHaveTransaction({to: w.registry.address, success: true});
    }
    const snap = await w.registry.getSnapshot();
    expect(snap.providers.filter((p) => p.owner.equals(w.alice.address)).map((p) => p.model).sort()).toEqual(['a', 'b', 'c']);
    await w.registry.sendUnregister(w.alice.getSender(), {value: toNano('0.05'), nodeKey: nodes[1]!.nodeKey});
    expect((await w.registry.getProvider(nodes[1]!.nodeKey))!.status).toBe('unbonding');
    expect((await w.registry.getProvider(nodes[0]!.nodeKey))!.status).toBe('active');
  });

  it('a plain record costs at most 0.002 GRAM a year in rent', async () => {
    const w = await registryWorld();
    const rate = await w.registry.getRecordRate(sampleProfile({endpoint: 'http://203.0.113.200:65535', model: 'qwen2.5-0.5b-instruct-q4_k_m'}));
    expect((rate * BigInt(YEAR)) / 65536n).toBeLessThanOrEqual(toNano('0.002'));
  });
});
