// Gas and all-in fee of every contract operation, sent from real v5r1 wallets in
// the sandbox. Used by bench/gas.ts (prints the table) and gas.test.ts (checks
// the targets and that each GAS_* bound in the Tolk sources covers the real gas).
import {createHash, randomBytes} from 'node:crypto';
import {Address, external, fromNano, internal, SendMode, toNano, type Sender, type Transaction} from '@ton/core';
import {keyPairFromSeed} from '@ton/crypto';
import {Blockchain, createShardAccount, type SandboxContract, type SendMessageResult, type TreasuryContract} from '@ton/sandbox';
import {WalletContractV5R1} from '@ton/ton';
import {Channel} from '../../src/chain/contracts/channel.js';
import {signCloseAgreement} from '../../src/chain/contracts/channel-codec.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import type {ProviderRecord} from '../../src/chain/contracts/registry-codec.js';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {flattenTransaction} from '@ton/test-utils';
import {keyPair, sampleProfile} from './fixtures.js';

/** One measured operation. */
export interface GasRow {
  operation: string;
  /** Compute gas of the contract's own transaction. */
  gas: number;
  /** Which GAS_* bound covers it, if any. */
  bound?: number;
  /** nanoTON burned by the whole chain of transactions: wallet, contract, payouts, forward fees. */
  fee: bigint;
  /** The issue's ceiling for the all-in fee, if any. */
  target?: bigint;
}

/** A sending wallet: its address and a Sender for the wrappers. */
export interface Wallet {
  address: Address;
  sender: Sender;
}

/** A deployed, funded v5r1 wallet whose messages expire relative to the sandbox clock. */
export async function makeWallet(blockchain: Blockchain, funder: SandboxContract<TreasuryContract>): Promise<Wallet> {
  const keys = keyPairFromSeed(randomBytes(32));
  const wallet = WalletContractV5R1.create({publicKey: keys.publicKey, walletId: {networkGlobalId: -239}});
  await funder.send({to: wallet.address, value: toNano('100000'), bounce: false});
  // Not openContract: sandbox would wrap `sender` as a send method. Our own Sender
  // sets the expiry from the sandbox clock, which the tests move forward.
  const provider = blockchain.provider(wallet.address, wallet.init);
  const sender: Sender = {
    address: wallet.address,
    send: async (args) => {
      const seqno = (await provider.getState()).state.type === 'active' ? await wallet.getSeqno(provider) : 0;
      await wallet.sendTransfer(provider, {
        seqno,
        secretKey: keys.secretKey,
        sendMode: args.sendMode ?? SendMode.PAY_GAS_SEPARATELY,
        timeout: blockchain.now! + 60,
        messages: [internal({to: args.to, value: args.value, bounce: args.bounce ?? true, body: args.body ?? undefined, init: args.init ?? undefined})],
      });
    },
  };
  // Deploy now with an empty signed transfer (sent and processed here, not left in
  // the queue for the first measurement to pick up).
  const deploy = await wallet.createTransfer({seqno: 0, secretKey: keys.secretKey, sendMode: SendMode.PAY_GAS_SEPARATELY, messages: [], timeout: blockchain.now! + 60});
  await blockchain.sendMessage(external({to: wallet.address, init: wallet.init, body: deploy}));
  return {address: wallet.address, sender};
}

function computeGas(tx: Transaction): number {
  const d = tx.description;
  if (d.type !== 'generic' || d.computePhase.type !== 'vm') return 0;
  return Number(d.computePhase.gasUsed);
}

async function total(blockchain: Blockchain, accounts: Address[]): Promise<bigint> {
  let sum = 0n;
  for (const a of accounts) sum += (await blockchain.getContract(a)).balance;
  return sum;
}

/**
 * Fees burned = what all the accounts involved lost together: value only moves
 * between them, so the drop in their sum is exactly the fees of every
 * transaction and message in the chain.
 */
export async function measure(
  blockchain: Blockchain,
  accounts: Address[],
  contract: Address,
  run: () => Promise<SendMessageResult>,
): Promise<{gas: number; fee: bigint}> {
  const before = await total(blockchain, accounts);
  const result = await run();
  for (const tx of result.transactions) {
    const dest = tx.inMessage?.info.dest;
    if (dest && typeof dest !== 'string' && 'hash' in dest && !accounts.some((a) => a.equals(dest as Address))) {
      throw new Error(`measurement missed account ${dest.toString()}:\n${result.transactions.map((t) => flattenTransaction(t)).map((f) => `${f.from?.toString()} -> ${f.to?.toString()} exit=${f.exitCode} action=${f.actionResultCode} aborted=${f.aborted}`).join('\n')}`);
    }
  }
  const fee = before - (await total(blockchain, accounts));
  if (process.env.GAS_DEBUG) {
    for (const tx of result.transactions) {
      const d = tx.description;
      const fwd = tx.outMessages.values().reduce((n, m) => n + (m.info.type === 'internal' ? m.info.forwardFee : 0n), 0n);
      process.stderr.write(`  ${tx.inMessage?.info.type} -> ${tx.address.toString(16).slice(0, 6)} total=${tx.totalFees.coins} gas=${computeGas(tx)} outFwd=${fwd} ${d.type === 'generic' ? `storage=${d.storagePhase?.storageFeesCollected} action=${d.actionPhase?.totalActionFees}` : ''}\n`);
    }
  }
  const own = result.transactions.find((t) => t.inMessage?.info.type !== 'external-out' && (t.inMessage?.info.dest as Address | undefined)?.equals(contract));
  return {gas: own ? computeGas(own) : 0, fee};
}

/** Which wallet sends: a real v5r1 wallet, or the sandbox's minimal treasury contract. */
export type WalletKind = 'v5r1' | 'treasury';

/** Options of measureGas. */
export interface MeasureOptions {
  /** Records the shard holds before the measured registration (seeded in its data; at most SHARD_CAPACITY − 1). Default 0. */
  prefill?: number;
  /** Sending wallet. Default v5r1. */
  wallet?: WalletKind;
}

async function treasuryWallet(blockchain: Blockchain, name: string): Promise<Wallet> {
  const t = await blockchain.treasury(name);
  return {address: t.address, sender: t.getSender()};
}

/** `n` records of random owners, prepaid for a year: what a shard of that size holds. */
export function seedRecords(n: number, now: number, model = 'stories260K'): ProviderRecord[] {
  // Deterministic keys: the trie, hence the gas, is the same on every run.
  const h = (s: string) => createHash('sha256').update(s).digest();
  return Array.from({length: n}, (_, i) => ({
    ...sampleProfile({model, nodeKey: h(`node-${i}`)}),
    owner: new Address(0, h(`owner-${i}`)),
    status: 'active' as const,
    stake: toNano('1'),
    registeredAt: now,
    updatedAt: now,
    unlockAt: 0,
    paidUntil: now + 365 * 24 * 3600,
    rentRate: 4000n,
  }));
}

/** Runs every operation once and returns the rows. */
export async function measureGas(opts: MeasureOptions = {}): Promise<GasRow[]> {
  const {ChannelConst, RegistryConst} = await import('../../src/chain/contracts/constants.js');
  const blockchain = await Blockchain.create();
  // Wallet v5 messages expire relative to the wall clock, so the chain follows it.
  const t0 = Math.floor(Date.now() / 1000);
  blockchain.now = t0;
  const treasury = await blockchain.treasury('gas');
  const wallet = (name: string) => (opts.wallet === 'treasury' ? treasuryWallet(blockchain, name) : makeWallet(blockchain, treasury));
  const owner = await wallet('owner');
  const alice = await wallet('alice');
  const consumer = await wallet('consumer');
  const provider = await wallet('provider');
  const n = Math.min(opts.prefill ?? 0, RegistryConst.SHARD_CAPACITY - 1);
  const seeds = seedRecords(n, t0);
  if (seeds[0]) seeds[0].paidUntil = t0 - 40 * 24 * 3600;
  const registry = blockchain.openContract(
    Registry.createFromConfig({owner: owner.address, params: {minStake: toNano('1'), unbondingDelay: 60}, model: 'stories260K', providers: seeds}),
  );
  const keys = keyPair();
  const channel = blockchain.openContract(Channel.createFromConfig({consumer: consumer.address, provider: provider.address, consumerKey: keys.publicKey, closeDelay: 3600}));
  const accounts = [owner.address, alice.address, consumer.address, provider.address, registry.address, channel.address];
  const rows: GasRow[] = [];
  const row = async (operation: string, contract: Address, run: () => Promise<SendMessageResult>, extra: Partial<GasRow> = {}) => {
    const m = await measure(blockchain, accounts, contract, run);
    rows.push({operation, ...m, ...extra});
  };

  // Placed directly in the account: a StateInit with thousands of records is far
  // over the message size limits (the records' layout is exactly the contract's).
  await blockchain.setShardAccount(
    registry.address,
    createShardAccount({address: registry.address, code: registry.init!.code, data: registry.init!.data, balance: toNano('10') + toNano('1') * BigInt(n)}),
  );
  const profile = sampleProfile({nodeKey: createHash('sha256').update('measured-node').digest()});
  const quote = await registry.getRegisterQuote({profile, stake: toNano('1')});
  const nodeKey = profile.nodeKey;
  await row(`registry: register (${n + 1}th record of the shard; prepaid rent ${fromNano(quote.rent)} not a fee)`, registry.address, () => registry.sendRegister(alice.sender, {value: quote.value, stake: toNano('1'), profile}) as never, {bound: RegistryConst.GAS_REGISTER, target: toNano('0.008')});
  await row('registry: update record (heartbeat, +1 year of rent)', registry.address, () => registry.sendUpdate(alice.sender, {value: toNano('0.02') + quote.rent, rent: quote.rent, profile: sampleProfile({nodeKey, model: 'qwen2.5-0.5b-instruct'})}) as never, {bound: RegistryConst.GAS_UPDATE});
  await row('registry: pay rent (anyone)', registry.address, () => registry.sendPayRent(owner.sender, {value: toNano('0.006'), nodeKey}) as never, {bound: RegistryConst.GAS_TOPUP});
  await row('registry: top up stake', registry.address, () => registry.sendTopUp(alice.sender, {value: toNano('1'), nodeKey}) as never, {bound: RegistryConst.GAS_TOPUP});
  await row('registry: unregister', registry.address, () => registry.sendUnregister(alice.sender, {value: toNano('0.02'), nodeKey}) as never);
  blockchain.now = t0 + 60;
  await row('registry: withdraw stake', registry.address, () => registry.sendWithdraw(alice.sender, {value: toNano('0.02'), nodeKey}) as never);
  if (n > 0) {
    // The first seed's rent ran out a grace period ago: anyone evicts it.
    const victim = seeds[0]!;
    accounts.push(victim.owner);
    await row('registry: evict expired record (anyone)', registry.address, () => registry.sendEvict(owner.sender, {value: toNano('0.02'), nodeKey: victim.nodeKey}) as never);
    accounts.pop();
  }
  await row('registry: set params (owner)', registry.address, () => registry.sendSetParams(owner.sender, {value: toNano('0.02'), params: {minStake: toNano('1'), unbondingDelay: 120}}) as never);
  await row('registry: transfer ownership (propose)', registry.address, () => registry.sendTransferOwnership(owner.sender, {value: toNano('0.02'), newOwner: alice.address}) as never);

  await row('channel: open + deposit (deploys)', channel.address, () => channel.sendOpen(consumer.sender, {value: toNano('5')}) as never, {bound: ChannelConst.GAS_OPEN, target: toNano('0.012')});
  await row('channel: top up', channel.address, () => channel.sendTopUp(consumer.sender, {value: toNano('1')}) as never, {bound: ChannelConst.GAS_TOPUP});
  const voucher = (amount: bigint) => ({amount, signature: signVoucher({channel: channel.address, amount}, keys.secretKey)});
  await row('channel: claim voucher (external message)', channel.address, () => channel.sendExternalClaim(voucher(toNano('0.5'))) as never, {bound: ChannelConst.GAS_CLAIM_EXTERNAL, target: toNano('0.003')});
  await row('channel: claim voucher (from provider wallet)', channel.address, () => channel.sendClaim(provider.sender, {value: toNano('0.01'), ...voucher(toNano('1'))}) as never, {bound: ChannelConst.GAS_CLAIM});
  const snap = blockchain.snapshot();
  await row('channel: cooperative close', channel.address, () => {
    const amount = toNano('2');
    return channel.sendCooperativeClose(provider.sender, {value: toNano('0.01'), amount, signature: signCloseAgreement({channel: channel.address, amount}, keys.secretKey)}) as never;
  });
  await blockchain.loadFrom(snap);
  await row('channel: start close', channel.address, () => channel.sendStartClose(consumer.sender, {value: toNano('0.01')}) as never);
  blockchain.now = t0 + 60 + 3600;
  await row('channel: finish close (refund)', channel.address, () => channel.sendFinishClose(consumer.sender, {value: toNano('0.01')}) as never);
  return rows;
}

/**
 * All-in fee of one registration into a shard already holding `prefill` records,
 * for each of `keys` deterministic node keys (each from the same state: a
 * snapshot is restored in between). The trie depth, hence the fee, depends on
 * where the key lands: this gives the spread a random key sees at that size.
 * Capacity bounds the shard, so a full shard is the worst case at any registry
 * size (bench/registry-scale.contracts.bench.ts registers at 100,000 records).
 */
export async function measureRegistrations(opts: {prefill: number; keys: number; wallet?: WalletKind}): Promise<{gas: number; fee: bigint}[]> {
  const blockchain = await Blockchain.create();
  const t0 = Math.floor(Date.now() / 1000);
  blockchain.now = t0;
  const treasury = await blockchain.treasury('spread');
  const owner = opts.wallet === 'treasury' ? await treasuryWallet(blockchain, 'owner') : await makeWallet(blockchain, treasury);
  const alice = opts.wallet === 'treasury' ? await treasuryWallet(blockchain, 'alice') : await makeWallet(blockchain, treasury);
  const registry = blockchain.openContract(
    Registry.createFromConfig({owner: owner.address, params: {minStake: toNano('1'), unbondingDelay: 60}, model: 'stories260K', providers: seedRecords(opts.prefill, t0)}),
  );
  await blockchain.setShardAccount(
    registry.address,
    createShardAccount({address: registry.address, code: registry.init!.code, data: registry.init!.data, balance: toNano('10') + toNano('1') * BigInt(opts.prefill)}),
  );
  const out: {gas: number; fee: bigint}[] = [];
  for (let i = 0; i < opts.keys; i++) {
    const snap = blockchain.snapshot();
    const profile = sampleProfile({nodeKey: createHash('sha256').update(`spread-${i}`).digest()});
    const quote = await registry.getRegisterQuote({profile, stake: toNano('1')});
    out.push(await measure(blockchain, [alice.address, registry.address], registry.address, () => registry.sendRegister(alice.sender, {value: quote.value, stake: toNano('1'), profile}) as never));
    await blockchain.loadFrom(snap);
  }
  return out;
}
