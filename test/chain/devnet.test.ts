import fs from 'node:fs';
import path from 'node:path';
import {Address, SendMode, beginCell, internal, toNano} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {TonClient, WalletContractV5R1} from '@ton/ton';
import {afterEach, describe, expect, it} from 'vitest';
import {ChainClient} from '../../src/chain/client.js';
import {DevnetServer} from '../../src/devnet/server.js';
import {fundFromFaucet} from '../../src/devnet/faucet.js';
import {tempHome} from '../helpers/home.js';

const servers: DevnetServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(dir = path.join(tempHome(), 'devnet')) {
  const server = await DevnetServer.start({dir, port: 0});
  servers.push(server);
  return {server, dir, ton: new TonClient({endpoint: `${server.url}/jsonRPC`})};
}

async function newWallet() {
  const keys = await mnemonicToPrivateKey(await mnemonicNew());
  return {keys, contract: WalletContractV5R1.create({publicKey: keys.publicKey, walletId: {networkGlobalId: -3}})};
}

describe('devnet', () => {
  it('serves TonClient: account state, faucet, a wallet transfer, seqno and transactions', async () => {
    const {server, ton} = await start();
    const alice = await newWallet();
    const bob = await newWallet();
    const state = await ton.getContractState(alice.contract.address);
    expect(state).toMatchObject({state: 'uninitialized', balance: 0n});

    await fundFromFaucet({url: server.url, address: alice.contract.address, amount: toNano(5)});
    expect(await ton.getBalance(alice.contract.address)).toBe(toNano(5));

    const wallet = ton.open(alice.contract);
    expect(await wallet.getSeqno()).toBe(0);
    await wallet.sendTransfer({
      seqno: 0,
      secretKey: alice.keys.secretKey,
      sendMode: SendMode.PAY_GAS_SEPARATELY,
      messages: [internal({to: bob.contract.address, value: toNano(1), bounce: false})],
    });
    expect(await wallet.getSeqno()).toBe(1);
    expect(await ton.getBalance(bob.contract.address)).toBe(toNano(1));

    const txs = await ton.getTransactions(alice.contract.address, {limit: 10});
    expect(txs.map((t) => t.inMessage?.info.type)).toEqual(['external-in', 'internal']);
    expect(txs[0]!.lt > txs[1]!.lt).toBe(true);
    const spent = toNano(5) - (await ton.getBalance(alice.contract.address));
    const forwarded = [...txs[0]!.outMessages.values()].reduce((s, m) => s + (m.info.type === 'internal' ? m.info.forwardFee : 0n), 0n);
    expect(spent).toBe(toNano(1) + txs[0]!.totalFees.coins + forwarded);

    // Paging from a given transaction (exclusive, as TonClient asks for it).
    const older = await ton.getTransactions(alice.contract.address, {limit: 10, lt: txs[0]!.lt.toString(), hash: txs[0]!.hash().toString('base64')});
    expect(older.map((t) => t.lt)).toEqual([txs[1]!.lt]);
    expect((await ton.getMasterchainInfo()).latestSeqno).toBeGreaterThanOrEqual(2);
  });

  it('refuses what a lite server refuses: a bad signature, a malformed BoC, an unknown method', async () => {
    const {server, ton} = await start();
    const alice = await newWallet();
    await fundFromFaucet({url: server.url, address: alice.contract.address, amount: toNano(2)});
    const forged = ton.open(alice.contract);
    const wrongKeys = await mnemonicToPrivateKey(await mnemonicNew());
    await expect(
      forged.sendTransfer({seqno: 0, secretKey: wrongKeys.secretKey, sendMode: SendMode.PAY_GAS_SEPARATELY, messages: [internal({to: alice.contract.address, value: 1n})]}),
    ).rejects.toThrow(/cannot apply external message/);
    expect(await ton.getBalance(alice.contract.address)).toBe(toNano(2));

    const client = await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`});
    await expect(client.call((t) => t.sendFile(Buffer.from('not a boc')))).rejects.toMatchObject({code: 'CHAIN_ERROR', message: expect.stringMatching(/Malformed message BoC/)});
    const res = await fetch(`${server.url}/jsonRPC`, {method: 'POST', body: JSON.stringify({method: 'dropTables', params: {}})});
    expect(await res.json()).toMatchObject({ok: false, code: 404});
    const bad = await fetch(`${server.url}/jsonRPC`, {method: 'POST', body: '{oops'});
    expect(bad.status).toBe(400);
  });

  it('estimates fees without changing state', async () => {
    const {server, ton} = await start();
    const alice = await newWallet();
    await fundFromFaucet({url: server.url, address: alice.contract.address, amount: toNano(2)});
    const body = alice.contract.createTransfer({seqno: 0, secretKey: alice.keys.secretKey, sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS, messages: [internal({to: alice.contract.address, value: toNano(1)})]});
    const fees = await ton.estimateExternalMessageFee(alice.contract.address, {body, initCode: alice.contract.init.code, initData: alice.contract.init.data, ignoreSignature: true});
    expect(fees.source_fees.gas_fee).toBeGreaterThan(0);
    expect(await ton.getBalance(alice.contract.address)).toBe(toNano(2));
    expect((await ton.getContractState(alice.contract.address)).state).toBe('uninitialized');
  });

  it('runs get-methods with arguments and reports exit codes', async () => {
    const {server, ton} = await start();
    const alice = await newWallet();
    await fundFromFaucet({url: server.url, address: alice.contract.address, amount: toNano(2)});
    const wallet = ton.open(alice.contract);
    await wallet.sendTransfer({seqno: 0, secretKey: alice.keys.secretKey, sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS, messages: [internal({to: alice.contract.address, value: 1n})]});
    const key = await ton.runMethod(alice.contract.address, 'get_public_key');
    expect(key.stack.readBigNumber()).toBe(BigInt('0x' + alice.keys.publicKey.toString('hex')));
    const ext = await ton.runMethod(alice.contract.address, 'get_extensions');
    expect(ext.stack.readCellOpt()).toBeNull();
    const plugin = await ton.runMethod(alice.contract.address, 'get_subwallet_id');
    expect(plugin.stack.readBigNumber()).toBeGreaterThan(0n);
    await expect(ton.runMethod(alice.contract.address, 'no_such_method', [{type: 'cell', cell: beginCell().endCell()}])).rejects.toThrow(/exit_code: 11/);
  });

  it('loses nothing across a restart, and survives a torn transaction log', async () => {
    const first = await start();
    const alice = await newWallet();
    await fundFromFaucet({url: first.server.url, address: alice.contract.address, amount: toNano(3)});
    const before = await first.ton.getTransactions(alice.contract.address, {limit: 5});
    await first.server.close();
    servers.splice(servers.indexOf(first.server), 1);
    fs.appendFileSync(path.join(first.dir, 'transactions.ndjson'), '{"account":"0:ab","lt":"9"'); // crash mid-append
    const second = await start(first.dir);
    expect(await second.ton.getBalance(alice.contract.address)).toBe(toNano(3));
    const after = await second.ton.getTransactions(alice.contract.address, {limit: 5});
    expect(after.map((t) => t.hash().toString('hex'))).toEqual(before.map((t) => t.hash().toString('hex')));
    // The faucet and genesis survive too.
    await fundFromFaucet({url: second.server.url, address: alice.contract.address, amount: toNano(1)});
    // Exactly 3 + 1, less the storage rent the wall clock accrued between the two transfers (a nanoGRAM once the run is slow).
    const [last] = await second.ton.getTransactions(alice.contract.address, {limit: 1});
    const description = last!.description as {storagePhase?: {storageFeesCollected: bigint}};
    const rent = description.storagePhase?.storageFeesCollected ?? 0n;
    expect(await second.ton.getBalance(alice.contract.address)).toBe(toNano(4) - rent);
  });

  it('deploys the registry at genesis, readable through the wrapper over TonClient', async () => {
    const {server, ton} = await start();
    const {Registry} = await import('../../src/chain/contracts/registry.js');
    const {DEVNET_REGISTRY_PARAMS} = await import('../../src/chain/contracts/genesis.js');
    const address = Address.parse(server.info().contracts.registry!);
    const registry = ton.open(Registry.createFromAddress(address));
    expect(await registry.getParams()).toMatchObject({minStake: DEVNET_REGISTRY_PARAMS.minStake, unbondingDelay: DEVNET_REGISTRY_PARAMS.unbondingDelay});
    expect(await registry.getProviderCount()).toBe(0);
    const snapshot = await registry.getSnapshot();
    expect(snapshot.providers).toHaveLength(0);
    expect(snapshot.owner.toRawString()).toBe(server.info().faucet);
    expect(await ton.getTransactions(address, {limit: 5})).toHaveLength(1);
  });

  it('refuses a corrupt state file with a hint to reset', async () => {
    const {server, dir} = await start();
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    fs.writeFileSync(path.join(dir, 'state.json'), '{"sandbox": 42');
    await expect(DevnetServer.start({dir, port: 0})).rejects.toMatchObject({code: 'CORRUPT_DATA', hint: expect.stringMatching(/devnet reset/)});
  });

  it('says how to start a devnet when none answers', async () => {
    const client = await ChainClient.connect({network: 'devnet', endpoint: 'http://127.0.0.1:9/jsonRPC'});
    await expect(client.ping()).rejects.toMatchObject({code: 'CHAIN_UNAVAILABLE', hint: expect.stringMatching(/cocoon devnet start/)});
  });
});
