import {beginCell, toNano} from '@ton/core';
import {Blockchain, internal} from '@ton/sandbox';
import {beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {ExitCode, RegistryConst, RegistryOp} from '../../src/chain/contracts/constants.js';
import {deployGenesis, DEVNET_REGISTRY_PARAMS} from '../../src/chain/contracts/genesis.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import {storeMeta} from '../../src/chain/contracts/registry-codec.js';
import {feeFor, registryWorld, sampleProfile, T0, type RegistryWorld} from './fixtures.js';

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

  async function register(stake = toNano('2'), profile = sampleProfile()) {
    const fee = await w.registry.getRegisterFee();
    const result = await w.registry.sendRegister(w.alice.getSender(), {value: stake + fee, profile});
    return {result, profile, fee};
  }

  it('deploys with its parameters and no records', async () => {
    expect(await w.registry.getParams()).toMatchObject({minStake: toNano('1'), unbondingDelay: 600, count: 0});
    expect((await w.registry.getParams()).owner.equals(w.owner.address)).toBe(true);
    expect(await w.registry.getProviderCount()).toBe(0);
  });

  it('charges exactly the gas fee the config gives for GAS_REGISTER', async () => {
    expect(await w.registry.getRegisterFee()).toBe(feeFor(w.blockchain, RegistryConst.GAS_REGISTER));
  });

  it('registers with a stake at the minimum and stores the whole record', async () => {
    const {result, profile} = await register(toNano('1'));
    expect(result.transactions).toHaveTransaction({from: w.alice.address, to: w.registry.address, success: true, op: RegistryOp.RegisterProvider});
    const rec = await w.registry.getProvider(w.alice.address);
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
  });

  it('refuses a stake below the minimum and bounces the value back', async () => {
    const {result} = await register(toNano('1') - 1n);
    expect(result.transactions).toHaveTransaction({from: w.alice.address, to: w.registry.address, success: false, exitCode: ExitCode.STAKE_TOO_LOW});
    expect(result.transactions).toHaveTransaction({from: w.registry.address, to: w.alice.address, inMessageBounced: true});
    expect(await w.registry.getProviderCount()).toBe(0);
  });

  it('refuses a second registration from the same wallet', async () => {
    await register();
    const {result} = await register();
    expect(result.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.ALREADY_REGISTERED});
  });

  it('refuses malformed records: oversized price, extra refs in meta, refs under the texts', async () => {
    const fee = await w.registry.getRegisterFee();
    // A price of 2^64 passes no TS check, so build the body by hand.
    const p = sampleProfile();
    const rawBody = (price: bigint, meta = storeMeta(p)) =>
      beginCell().storeUint(RegistryOp.RegisterProvider, 32).storeUint(0, 64).storeBuffer(p.nodeKey).storeCoins(price).storeCoins(1n).storeUint(1, 32).storeUint(1, 32).storeRef(meta).endCell();
    const send = (b: ReturnType<typeof rawBody>) => w.alice.send({to: w.registry.address, value: toNano('2') + fee, body: b});
    let r = await send(rawBody(1n << 64n));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    const metaWithExtra = beginCell().storeBuffer(p.encryptionKey).storeBuffer(p.modelHash).storeRef(beginCell().storeUint(0, 24).endCell()).storeRef(beginCell().endCell()).endCell();
    r = await send(rawBody(1n, metaWithExtra));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    const textsWithRef = beginCell().storeBuffer(p.encryptionKey).storeBuffer(p.modelHash).storeRef(beginCell().storeUint(0, 24).storeRef(beginCell().endCell()).endCell()).endCell();
    r = await send(rawBody(1n, textsWithRef));
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.BAD_PROFILE});
    expect(await w.registry.getProviderCount()).toBe(0);
  });

  it('updates a record (owner only) and returns the excess', async () => {
    await register();
    w.blockchain.now = T0 + 100;
    const profile = sampleProfile({model: 'qwen2.5-0.5b', architecture: 'qwen', promptPrice: 7n});
    const r = await w.registry.sendUpdate(w.alice.getSender(), {value: toNano('0.05'), profile});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    expect(r.transactions).toHaveTransaction({from: w.registry.address, to: w.alice.address, op: RegistryOp.Excesses});
    const rec = await w.registry.getProvider(w.alice.address);
    expect(rec).toMatchObject({model: 'qwen2.5-0.5b', architecture: 'qwen', promptPrice: 7n, updatedAt: T0 + 100, registeredAt: T0});
    // Bob has no record: he cannot update Alice's or his own.
    const wrong = await w.registry.sendUpdate(w.bob.getSender(), {value: toNano('0.05'), profile});
    expect(wrong.transactions).toHaveTransaction({from: w.bob.address, to: w.registry.address, success: false, exitCode: ExitCode.NOT_REGISTERED});
  });

  it('tops up the stake by the value less the gas fee', async () => {
    await register(toNano('1'));
    const r = await w.registry.sendTopUp(w.alice.getSender(), {value: toNano('3')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    const rec = await w.registry.getProvider(w.alice.address);
    expect(rec!.stake).toBe(toNano('4') - feeFor(w.blockchain, RegistryConst.GAS_TOPUP));
    const wrong = await w.registry.sendTopUp(w.bob.getSender(), {value: toNano('1')});
    expect(wrong.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_REGISTERED});
  });

  it('unregisters, refuses to withdraw before unbonding ends, then pays the stake back', async () => {
    await register(toNano('5'));
    let r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_UNBONDING});
    r = await w.registry.sendUnregister(w.alice.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    const rec = await w.registry.getProvider(w.alice.address);
    expect(rec).toMatchObject({status: 'unbonding', unlockAt: T0 + 600});
    // While unbonding: no update, no top-up, no second unregister.
    r = await w.registry.sendTopUp(w.alice.getSender(), {value: toNano('1')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_ACTIVE});
    r = await w.registry.sendUnregister(w.alice.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.NOT_ACTIVE});
    w.blockchain.now = T0 + 599;
    r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: false, exitCode: ExitCode.UNBONDING_NOT_OVER});
    w.blockchain.now = T0 + 600;
    r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05')});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    expect(r.transactions).toHaveTransaction({
      from: w.registry.address,
      to: w.alice.address,
      op: RegistryOp.StakeWithdrawn,
      inMessageBounceable: false,
      value: (v) => v! > toNano('5'),
    });
    expect(await w.registry.getProvider(w.alice.address)).toBeNull();
    expect(await w.registry.getProviderCount()).toBe(0);
    // Withdrawing twice: the record is gone.
    r = await w.registry.sendWithdraw(w.alice.getSender(), {value: toNano('0.05')});
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
    await w.registry.sendRegister(w.bob.getSender(), {value: toNano('3'), profile: sampleProfile({model: 'b', endpoint: 'http://[2001:db8::1]:9000'})});
    const snap = await w.registry.getSnapshot();
    expect(snap.count).toBe(2);
    expect(snap.providers).toHaveLength(2);
    expect(snap.owner.equals(w.owner.address)).toBe(true);
    for (const p of snap.providers) {
      expect(await w.registry.getProvider(p.owner)).toEqual(p);
    }
    expect(snap.providers.map((p) => p.model).sort()).toEqual(['a', 'b']);
    expect(snap.unreadable).toEqual([]);
  });

  it('leaves a record with malformed texts out of the snapshot instead of failing the read', async () => {
    await register(toNano('2'));
    const p = sampleProfile();
    // Length byte 200 with only 3 bytes behind it: the contract bounds cells, not text layout.
    const junk = beginCell().storeBuffer(p.encryptionKey).storeBuffer(p.modelHash).storeRef(beginCell().storeUint(200, 8).storeUint(0, 24).endCell()).endCell();
    const body = beginCell().storeUint(RegistryOp.RegisterProvider, 32).storeUint(0, 64).storeBuffer(p.nodeKey).storeCoins(1n).storeCoins(1n).storeUint(1, 32).storeUint(1, 32).storeRef(junk).endCell();
    const r = await w.bob.send({to: w.registry.address, value: toNano('2'), body});
    expect(r.transactions).toHaveTransaction({to: w.registry.address, success: true});
    const snap = await w.registry.getSnapshot();
    expect(snap.count).toBe(2);
    expect(snap.providers.map((x) => x.owner.toString())).toEqual([w.alice.address.toString()]);
    expect(snap.unreadable.map((x) => x.toString())).toEqual([w.bob.address.toString()]);
    await expect(w.registry.getProvider(w.bob.address)).rejects.toMatchObject({code: 'CORRUPT_DATA'});
  });
});

describe('devnet genesis', () => {
  it('deploys the registry at a deterministic address, once', async () => {
    const blockchain = await Blockchain.create();
    const deployer = await blockchain.treasury('genesis');
    const owner = (await blockchain.treasury('owner')).address;
    const {registry} = await deployGenesis(blockchain, {deployer, owner});
    expect(registry.equals(Registry.createFromConfig({owner, params: DEVNET_REGISTRY_PARAMS}).address)).toBe(true);
    const again = await deployGenesis(blockchain, {deployer, owner});
    expect(again.registry.equals(registry)).toBe(true);
    const opened = blockchain.openContract(Registry.createFromAddress(registry));
    expect(await opened.getParams()).toMatchObject({minStake: toNano('1'), unbondingDelay: 60, count: 0});
    const custom = await deployGenesis(blockchain, {deployer, owner, params: {unbondingDelay: 5}});
    expect(custom.registry.equals(registry)).toBe(false);
  });
});
