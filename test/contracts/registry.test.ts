import {beginCell, toNano} from '@ton/core';
import {Blockchain, internal} from '@ton/sandbox';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {ExitCode, RegistryConst, RegistryOp} from '../../src/chain/contracts/constants.js';
import {deployGenesis, DEVNET_REGISTRY_PARAMS} from '../../src/chain/contracts/genesis.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import {storeMeta} from '../../src/chain/contracts/registry-codec.js';
import {feeFor, registryWorld, sampleProfile, T0, type RegistryWorld} from './fixtures.js';
import {registerWith} from './registry-fixtures.js';

describe('registry', () => {
  let base: RegistryWorld;
  let snapshot: ReturnType<Blockchain['snapshot']>;
  let w: RegistryWorld;

  beforeAll(async () => {
    base = await registryWorld();
    snapshot = base.blockchain.snapshot();
  });

  beforeEach(async () => {
    await base.blockchain.loadFrom(snapshot);
    w = base;
  });

  const register = (stake = toNano('2'), profile = sampleProfile()) => registerWith(w.registry, w.alice, {stake, profile});

  it('deploys with its parameters and no records', async () => {
    expect(await w.registry.getParams()).toMatchObject({minStake: toNano('1'), unbondingDelay: 600, count: 0, totalStaked: 0n, capacity: RegistryConst.SHARD_CAPACITY});
    expect((await w.registry.getParams()).owner.equals(w.owner.address)).toBe(true);
    expect(await w.registry.getProviderCount()).toBe(0);
  });

  it('charges exactly the gas fee the config gives for GAS_REGISTER', async () => {
    expect(await w.registry.getRegisterFee()).toBe(feeFor(w.blockchain, RegistryConst.GAS_REGISTER));
  });

  it('registers with a stake at the minimum and stores the whole record', async () => {
    const {result, profile, quote} = await register(toNano('1'));
    expect(result.transactions).toHaveTransaction({from: w.alice.address, to: w.registry.address, success: true, op: RegistryOp.RegisterProvider});
    const rec = await w.registry.getProvider(profile.nodeKey);
    expect(rec!.paidUntil).toBeGreaterThanOrEqual(T0 + 365 * 24 * 3600);
    expect(rec!.paidUntil).toBeLessThan(T0 + 365 * 24 * 3600 + 60);
    expect(rec!.rentRate).toBe(quote.rate);
    expect((await w.registry.getParams()).totalStaked).toBe(toNano('1'));
    expect(rec).not.toBeNull();
    expect(rec!.stake).toBe(toNano('1'));
    expect(rec!.status).toBe('active');
    expect(rec!.registeredAt).toBe(T0);
    expect(rec!.nodeKey.equals(profile.nodeKey)).toBe(true);
    expect(rec!.encryptionKey.equals(profile.encryptionKey)).toBe(true);
    expect(rec!.modelHash.equals(profile.modelHash)).toBe(true);
    expect(rec).toMatchObject({endpoint: profile.endpoint, architecture: 'llama', model: 'stories260K', contextSize: 2048, queriesPerDay: 5000, promptPrice: 10n, completionPrice: 40n});
    expect(await w.registry.getProviderCount()).toBe(1);
    expect(await w.registry.getProvider(w.bob.address)).toBeNull();
    expect((await w.registry.getProvider(w.alice.address))!.nodeKey.equals(profile.nodeKey)).toBe(true);
  });

  it('refuses a stake below the minimum and bounces the value back', async () => {
    const {result} = await register(toNano('1') - 1n);
    expect(result.transactions).toHaveTransaction({from: w.alice.address, to: w.registry.address, success: false, exitCode: ExitCode.STAKE_TOO_LOW});
    expect(result.transactions).toHaveTransaction({from: w.registry.address, to: w.alice.address, inMessageBounced: true});
    expect(await w.registry.getProviderCount()).toBe(0);
  });

  it('refuses a second registration of the same node key, from anyone', async () => {
    const {profile} = await register();
    const {result} = await register(toNano('2'), profile);
    expect(result.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.ALREADY_REGISTERED});
    const other = await registerWith(w.registry, w.bob, {profile});
    expect(other.result.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.ALREADY_REGISTERED});
  });

  it('refuses malformed records: oversized price, extra refs in meta, refs under the texts', async () => {
    // A price of 2^64 passes no TS check, so build the body by hand.
    const p = sampleProfile();
    const rawBody = (price: bigint, meta = storeMeta(p)) =>
      beginCell().storeUint(RegistryOp.RegisterProvider, 32).storeUint(0, 64).storeCoins(toNano('1')).storeBuffer(p.nodeKey).storeCoins(price).storeCoins(1n).storeUint(1, 32).storeUint(1, 32).storeRef(meta).endCell();
    const send = (b: ReturnType<typeof rawBody>) => w.alice.send({to: w.registry.address, value: toNano('2'), body: b});
    let r = await send(rawBody(1n << 64n));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    const texts = () => beginCell().storeUint(0, 24);
    const leaf = (c: ReturnType<typeof beginCell>) => c.endCell();
    const metaWithExtra = beginCell().storeBuffer(p.encryptionKey).storeBuffer(p.modelHash).storeBit(false).storeRef(leaf(texts())).storeRef(beginCell().endCell()).endCell();
    r = await send(rawBody(1n, metaWithExtra));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    const textsWithRef = beginCell().storeBuffer(p.encryptionKey).storeBuffer(p.modelHash).storeBit(false).storeRef(texts().storeRef(beginCell().endCell()).endCell()).endCell();
    r = await send(rawBody(1n, textsWithRef));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    // An extension with a third ref, or a ref with a ref under it: refused (the tree stays bounded).
    const extWith = (ext: ReturnType<typeof beginCell>) => beginCell().storeBuffer(p.encryptionKey).storeBuffer(p.modelHash).storeBit(true).storeRef(leaf(texts())).storeRef(ext.endCell()).endCell();
    const e = () => beginCell().endCell();
    r = await send(rawBody(1n, extWith(beginCell().storeRef(e()).storeRef(e()).storeRef(e()))));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    r = await send(rawBody(1n, extWith(beginCell().storeRef(beginCell().storeRef(e()).endCell()))));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    expect(await w.registry.getProviderCount()).toBe(0);
  });

  it('updates a record (owner only) and returns the excess', async () => {
    const first = await register();
    w.blockchain.now = T0 + 100;
    const profile = sampleProfile({nodeKey: first.profile.nodeKey, model: 'qwen2.5-0.5b', architecture: 'qwen', promptPrice: 7n});
    const r = await w.registry.sendUpdate(w.alice.getSender(), {value: toNano('0.05'), profile});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    expect(r.transactions).toHaveTransaction({from: w.registry.address, to: w.alice.address, op: RegistryOp.Excesses, value: (v) => v! > toNano('0.04')});
    const rec = await w.registry.getProvider(profile.nodeKey);
    expect(rec).toMatchObject({model: 'qwen2.5-0.5b', architecture: 'qwen', promptPrice: 7n, updatedAt: T0 + 100, registeredAt: T0});
    // Bob cannot update Alice's record; a node key nobody registered is not found.
    let wrong = await w.registry.sendUpdate(w.bob.getSender(), {value: toNano('0.05'), profile});
    expect(wrong.transactions).toHaveTransaction({from: w.bob.address, to: w.registry.address, success: false, exitCode: ExitCode.NOT_RECORD_OWNER});
    wrong = await w.registry.sendUpdate(w.bob.getSender(), {value: toNano('0.05'), profile: sampleProfile()});
    expect(wrong.transactions).toHaveTransaction({from: w.bob.address, to: w.registry.address, success: false, exitCode: ExitCode.NOT_REGISTERED});
  });

  it('tops up the stake by the value less the gas fee (owner only)', async () => {
    const {profile} = await register(toNano('1'));
    const nodeKey = profile.nodeKey;
    const r = await w.registry.sendTopUp(w.alice.getSender(), {value: toNano('3'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    const rec = await w.registry.getProvider(nodeKey);
    expect(rec!.stake).toBe(toNano('4') - feeFor(w.blockchain, RegistryConst.GAS_TOPUP));
    expect((await w.registry.getParams()).totalStaked).toBe(rec!.stake);
    const wrong = await w.registry.sendTopUp(w.bob.getSender(), {value: toNano('1'), nodeKey});
    expect(wrong.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_RECORD_OWNER});
  });

  it('unregisters, refuses to withdraw before unbonding ends, then pays the stake back', async () => {
    const {profile} = await register(toNano('5'));
    const nodeKey = profile.nodeKey;
    let r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_UNBONDING});
    r = await w.registry.sendUnregister(w.alice.getSender(), {value: toNano('0.05'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    const rec = await w.registry.getProvider(nodeKey);
    expect(rec).toMatchObject({status: 'unbonding', unlockAt: T0 + 600});
    // Only the owner may withdraw.
    r = await w.registry.sendWithdraw(w.bob.getSender(), {value: toNano('0.05'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_RECORD_OWNER});
    // While unbonding: no update, no top-up, no second unregister.
    r = await w.registry.sendTopUp(w.alice.getSender(), {value: toNano('1'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_ACTIVE});
    r = await w.registry.sendUnregister(w.alice.getSender(), {value: toNano('0.05'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_ACTIVE});
    w.blockchain.now = T0 + 599;
    r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.UNBONDING_NOT_OVER});
    w.blockchain.now = T0 + 600;
    r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    expect(r.transactions).toHaveTransaction({
      from: w.registry.address,
      to: w.alice.address,
      op: RegistryOp.StakeWithdrawn,
      inMessageBounceable: false,
      value: (v) => v! > toNano('5'),
    });
    expect(await w.registry.getProvider(nodeKey)).toBeNull();
    expect(await w.registry.getProviderCount()).toBe(0);
    expect((await w.registry.getParams()).totalStaked).toBe(0n);
    // Withdrawing twice: the record is gone.
    r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05'), nodeKey});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_REGISTERED});
  });

  it('lets only the owner change the parameters', async () => {
    let r = await w.registry.sendSetParams(w.alice.getSender(), {value: toNano('0.05'), params: {minStake: 1n, unbondingDelay: 1}});
    expect(r.transactions).toHaveTransaction({from: w.alice.address, to: w.registry.address, success: false, exitCode: ExitCode.NOT_OWNER});
    r = await w.registry.sendSetParams(w.owner.getSender(), {value: toNano('0.05'), params: {minStake: toNano('10'), unbondingDelay: 86400}});
    expect(r.transactions).toHaveTransaction({from: w.owner.address, to: w.registry.address, success: true});
    expect(await w.registry.getParams()).toMatchObject({minStake: toNano('10'), unbondingDelay: 86400});
    const {result} = await register(toNano('5'));
    expect(result.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.STAKE_TOO_LOW});
  });

  it('bounces unknown opcodes, accepts plain transfers, and ignores bounced messages', async () => {
    let r = await w.alice.send({to: w.registry.address, value: toNano('0.1'), body: beginCell().storeUint(0x12345678, 32).endCell()});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.UNKNOWN_OP});
    expect(r.transactions).toHaveTransaction({from: w.registry.address, to: w.alice.address, inMessageBounced: true});
    r = await w.alice.send({to: w.registry.address, value: toNano('0.1')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    await register();
    const dataHash = async () => {
      const st = (await w.blockchain.getContract(w.registry.address)).accountState;
      return st?.type === 'active' ? st.state.data!.hash().toString('hex') : '';
    };
    const before = await dataHash();
    const bounced = await w.blockchain.sendMessage(
      internal({from: w.alice.address, to: w.registry.address, value: toNano('0.1'), bounce: false, bounced: true, body: beginCell().storeUint(0xffffffff, 32).storeUint(RegistryOp.WithdrawStake, 32).endCell()}),
    );
    expect(bounced.transactions).toHaveTransaction({to: w.registry.address, success: true, inMessageBounced: true, outMessagesCount: 0});
    expect(await dataHash()).toBe(before);
  });

  it('reads every record from the data cell, the same as get_provider', async () => {
    await register(toNano('2'), sampleProfile({model: 'a'}));
    await registerWith(w.registry, w.bob, {profile: sampleProfile({model: 'b', endpoint: 'http://[2001:db8::1]:9000', extension: {kind: 1, creditCap: toNano('0.5'), libp2p: '/ip4/203.0.113.7/tcp/4001', relays: ['/dns4/r1/tcp/1', '/dns4/r2/tcp/2']}})});
    const snap = await w.registry.getSnapshot();
    expect(snap.count).toBe(2);
    expect(snap).toMatchObject({model: '', shardIndex: 0, totalStaked: toNano('4')});
    expect(snap.providers).toHaveLength(2);
    expect(snap.owner.equals(w.owner.address)).toBe(true);
    // Buffers sliced from a cell and freshly made ones compare alike once in hex.
    const plain = (r: unknown) => JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    for (const p of snap.providers) {
      expect(plain(await w.registry.getProvider(p.nodeKey))).toEqual(plain(p));
    }
    expect(snap.providers.find((p) => p.model === 'b')!.extension).toEqual({kind: 1, creditCap: toNano('0.5'), libp2p: '/ip4/203.0.113.7/tcp/4001', relays: ['/dns4/r1/tcp/1', '/dns4/r2/tcp/2']});
    expect(snap.providers.map((p) => p.model).sort()).toEqual(['a', 'b']);
    expect(snap.unreadable).toEqual([]);
  });

  it('leaves a record with malformed texts out of the snapshot instead of failing the read', async () => {
    await register(toNano('2'));
    const p = sampleProfile();
    // Length byte 200 with only 3 bytes behind it: the contract bounds cells, not text layout.
    const junk = beginCell().storeBuffer(p.encryptionKey).storeBuffer(p.modelHash).storeBit(false).storeRef(beginCell().storeUint(200, 8).storeUint(0, 24).endCell()).endCell();
    const body = beginCell().storeUint(RegistryOp.RegisterProvider, 32).storeUint(0, 64).storeCoins(toNano('1')).storeBuffer(p.nodeKey).storeCoins(1n).storeCoins(1n).storeUint(1, 32).storeUint(1, 32).storeRef(junk).endCell();
    const r = await w.bob.send({to: w.registry.address, value: toNano('1.01'), body});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    const snap = await w.registry.getSnapshot();
    expect(snap.count).toBe(2);
    expect(snap.providers.map((x) => x.owner.toString())).toEqual([w.alice.address.toString()]);
    expect(snap.unreadable.map((x) => x.toString())).toEqual([w.bob.address.toString()]);
    await expect(w.registry.getProvider(p.nodeKey)).rejects.toMatchObject({code: 'CORRUPT_DATA'});
  });
});

describe('devnet genesis', () => {
  it('deploys the registry at a deterministic address, once', async () => {
    const blockchain = await Blockchain.create();
    const deployer = await blockchain.treasury('genesis');
    const owner = (await blockchain.treasury('owner')).address;
    const {registry, index} = await deployGenesis(blockchain, {deployer, owner});
    expect((await blockchain.getContract(index)).accountState?.type).toBe('active');
    expect(registry.equals(Registry.createFromConfig({owner, params: DEVNET_REGISTRY_PARAMS}).address)).toBe(true);
    const again = await deployGenesis(blockchain, {deployer, owner});
    expect(again.registry.equals(registry)).toBe(true);
    const opened = blockchain.openContract(Registry.createFromAddress(registry));
    expect(await opened.getParams()).toMatchObject({minStake: toNano('1'), unbondingDelay: 60, count: 0, totalStaked: 0n});
    const custom = await deployGenesis(blockchain, {deployer, owner, params: {unbondingDelay: 5}});
    expect(custom.registry.equals(registry)).toBe(false);
  });
});
