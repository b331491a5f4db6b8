import {Address, Cell, external, loadMessage, storeMessage, beginCell, toNano, type TupleItem} from '@ton/core';
import type {Blockchain, BlockchainTransaction, SandboxContract, TreasuryContract} from '@ton/sandbox';
import {CocoonError} from '../errors.js';
import {DevnetStateStore, type Genesis, type TxRecord} from './state-store.js';
import {runGenesis} from './genesis.js';

/** Network global id the devnet reports; wallets on devnet use testnet's id (-3) so addresses match testnet's. */
export const DEVNET_GLOBAL_ID = -3;
const FAUCET_SEED = 'cocoon-devnet-faucet';
const FAUCET_BALANCE = toNano('1000000000');

/** State of one account as toncenter reports it. */
export interface AccountInfo {
  balance: bigint;
  state: 'active' | 'uninitialized' | 'frozen';
  code: Cell | null;
  data: Cell | null;
  lastTransaction: {lt: string; hash: string} | null;
}

/** Result of a get-method. */
export interface GetMethodOutcome {
  exitCode: number;
  gasUsed: number;
  stack: TupleItem[];
}

/** A transaction with its parsed form. */
export interface IndexedTx extends TxRecord {
  cell: Cell;
}

/** Options for DevnetChain.open. */
export interface DevnetChainOptions {
  /** Directory holding the devnet's state. */
  dir: string;
  /** Clock in unix seconds. Default: wall clock. */
  now?: () => number;
}

/**
 * The local chain: @ton/sandbox's TVM emulator plus durable state. Every
 * operation runs under one lock (the emulator is not re-entrant), the clock
 * follows the wall clock, and state is saved after every message so a restart
 * loses nothing.
 */
export class DevnetChain {
  private lock: Promise<unknown> = Promise.resolve();
  private readonly txByAccount = new Map<string, IndexedTx[]>();
  private txCount = 0;
  private seqno = 0;

  private constructor(
    private readonly blockchain: Blockchain,
    private readonly store: DevnetStateStore,
    private readonly faucet: SandboxContract<TreasuryContract>,
    readonly genesis: Genesis,
    private readonly clock: () => number,
  ) {}

  /** Load the chain from `dir`, or create it with its genesis contracts. */
  static async open(options: DevnetChainOptions): Promise<DevnetChain> {
    const {Blockchain, snapshotFromSerializable} = await import('@ton/sandbox');
    const clock = options.now ?? (() => Math.floor(Date.now() / 1000));
    const store = new DevnetStateStore(options.dir);
    const blockchain = await Blockchain.create();
    blockchain.verbosity = {...blockchain.verbosity, print: false, blockchainLogs: false, vmLogs: 'none', debugLogs: false};
    if (store.exists()) {
      const saved = store.readSnapshot() as {sandbox: Parameters<typeof snapshotFromSerializable>[0]; txCount: number; seqno: number};
      try {
        await blockchain.loadFrom(snapshotFromSerializable(saved.sandbox));
      } catch (error) {
        throw new CocoonError('CORRUPT_DATA', `The devnet state in ${options.dir} cannot be loaded: ${(error as Error).message}`, {
          hint: 'Run `cocoon devnet reset` to start a fresh chain.',
          cause: error,
        });
      }
      const faucet = await blockchain.treasury(FAUCET_SEED, {predeploy: false, resetBalanceIfZero: false});
      const chain = new DevnetChain(blockchain, store, faucet, store.readGenesis(), clock);
      chain.seqno = saved.seqno;
      chain.indexTransactions(store.readTransactions().slice(0, saved.txCount));
      return chain;
    }
    const orphans = store.leftovers();
    if (orphans.length > 0) {
      // A fresh genesis here would silently replace a chain whose history is still on disk.
      throw new CocoonError('CORRUPT_DATA', `The devnet snapshot ${options.dir}/state.json is missing, but ${orphans.join(' and ')} of a chain are still there.`, {
        hint: 'Restore state.json from a backup, or run `cocoon devnet reset` to start a fresh chain (its balances and contracts are lost).',
      });
    }
    blockchain.now = clock();
    const faucet = await blockchain.treasury(FAUCET_SEED, {balance: FAUCET_BALANCE});
    const contracts = await runGenesis({blockchain, faucet});
    const genesis: Genesis = {version: 1, createdAt: clock(), globalId: DEVNET_GLOBAL_ID, faucet: faucet.address.toRawString(), contracts};
    const chain = new DevnetChain(blockchain, store, faucet, genesis, clock);
    store.writeGenesis(genesis);
    // Index genesis's own transactions (faucet and contract deployments) like any others.
    await chain.persist([...(blockchain as unknown as {transactions: BlockchainTransaction[]}).transactions]);
    return chain;
  }

  private indexTransactions(records: TxRecord[]): void {
    for (const record of records) {
      const list = this.txByAccount.get(record.account) ?? [];
      list.push({...record, cell: Cell.fromBase64(record.boc)});
      this.txByAccount.set(record.account, list);
    }
    this.txCount += records.length;
  }

  /** Run `work` alone, with the chain's clock set to now. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(async () => {
      // The emulator refuses time going backwards for an account; never step back.
      this.blockchain.now = Math.max(this.clock(), this.blockchain.now ?? 0);
      return work();
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** The sandbox keeps every transaction in memory and its own copy in snapshots; ours is the durable one. */
  private clearSandboxLog(): void {
    (this.blockchain as unknown as {transactions: unknown[]}).transactions = [];
  }

  private async persist(txs: BlockchainTransaction[]): Promise<void> {
    const {snapshotToSerializable} = await import('@ton/sandbox');
    const records: TxRecord[] = txs.map((tx) => {
      const dest = tx.inMessage?.info.dest;
      const account = Address.isAddress(dest) ? dest.toRawString() : `0:${tx.address.toString(16).padStart(64, '0')}`;
      return {account, lt: tx.lt.toString(), hash: tx.hash().toString('base64'), utime: tx.now, boc: tx.raw.toBoc().toString('base64')};
    });
    this.clearSandboxLog();
    // Log first, then the snapshot that counts it: a crash in between leaves extra
    // log lines that the next load ignores (it reads only txCount of them).
    this.store.appendTransactions(records);
    this.indexTransactions(records);
    this.seqno += 1;
    this.store.writeSnapshot({sandbox: snapshotToSerializable(this.blockchain.snapshot()), txCount: this.txCount, seqno: this.seqno});
  }

  /** Current block height (one block per processed message batch) and time. */
  head(): {seqno: number; now: number} {
    return {seqno: this.seqno, now: this.blockchain.now ?? this.clock()};
  }

  /** Address of the faucet wallet. */
  get faucetAddress(): Address {
    return this.faucet.address;
  }

  /** Account state, as `getAddressInformation` reports it. */
  account(address: Address): Promise<AccountInfo> {
    return this.exclusive(async () => {
      const contract = await this.blockchain.getContract(address);
      const state = contract.accountState;
      const lastLt = contract.lastTransactionLt;
      const last = lastLt > 0n ? {lt: lastLt.toString(), hash: Buffer.from(contract.lastTransactionHash.toString(16).padStart(64, '0'), 'hex').toString('base64')} : null;
      if (state?.type === 'active') {
        return {balance: contract.balance, state: 'active', code: state.state.code ?? null, data: state.state.data ?? null, lastTransaction: last};
      }
      return {balance: contract.balance, state: state?.type === 'frozen' ? 'frozen' : 'uninitialized', code: null, data: null, lastTransaction: last};
    });
  }

  /** Run a get-method; a non-active account gives exit code -13 as on the real network. */
  runGetMethod(address: Address, method: string, stack: TupleItem[]): Promise<GetMethodOutcome> {
    return this.exclusive(async () => {
      const contract = await this.blockchain.getContract(address);
      if (contract.accountState?.type !== 'active') return {exitCode: -13, gasUsed: 0, stack: []};
      try {
        const result = await contract.get(method, stack);
        return {exitCode: result.exitCode, gasUsed: Number(result.gasUsed), stack: result.stack};
      } catch (error) {
        const exitCode = (error as {exitCode?: number}).exitCode;
        if (typeof exitCode === 'number') return {exitCode, gasUsed: Number((error as {gasUsed?: bigint}).gasUsed ?? 0), stack: []};
        throw error;
      }
    });
  }

  /**
   * Process an external message and everything it causes. Like a lite server, an
   * external message the contract does not accept is refused with an error.
   */
  sendBoc(boc: Buffer): Promise<BlockchainTransaction[]> {
    return this.exclusive(async () => {
      let cell: Cell;
      try {
        cell = Cell.fromBoc(boc)[0]!;
        const msg = loadMessage(cell.beginParse());
        if (msg.info.type !== 'external-in') throw new Error('not an inbound external message');
      } catch (error) {
        throw new CocoonError('INVALID_INPUT', `Malformed message BoC: ${(error as Error).message}`);
      }
      let result;
      try {
        result = await this.blockchain.sendMessage(cell);
      } catch (error) {
        throw new CocoonError('CHAIN_ERROR', `cannot apply external message to current state: ${(error as Error).message}`, {cause: error});
      }
      await this.persist(result.transactions);
      return result.transactions;
    });
  }

  /** Emulate an external message (signature check optional) and roll back: the fees it would cost. */
  estimateExternal(address: Address, body: Cell, init: {code: Cell; data: Cell} | null, ignoreSignature: boolean) {
    return this.exclusive(async () => {
      const before = this.blockchain.snapshot();
      try {
        const msg = beginCell().store(storeMessage(external({to: address, init: init ?? undefined, body}))).endCell();
        const result = await this.blockchain.sendMessage(msg, {ignoreChksig: ignoreSignature});
        const tx = result.transactions[0];
        const description = tx?.description;
        const gasFee = description?.type === 'generic' && description.computePhase.type === 'vm' ? description.computePhase.gasFees : 0n;
        const storageFee = description?.type === 'generic' ? (description.storagePhase?.storageFeesCollected ?? 0n) : 0n;
        const fwdFee = description?.type === 'generic' ? (description.actionPhase?.totalFwdFees ?? 0n) : 0n;
        const total = tx?.totalFees.coins ?? 0n;
        return {inFwdFee: total - gasFee - storageFee - fwdFee, storageFee, gasFee, fwdFee};
      } finally {
        await this.blockchain.loadFrom(before);
      }
    });
  }

  /** Send `amount` from the faucet to `address` (non-bounceable, so fresh wallets receive it). */
  fund(address: Address, amount: bigint): Promise<{lt: string; hash: string}> {
    if (amount <= 0n) throw new CocoonError('INVALID_INPUT', 'The amount must be positive.');
    return this.exclusive(async () => {
      // The faucet is the sandbox treasury: it never runs dry.
      const result = await this.faucet.send({to: address, value: amount, bounce: false});
      await this.persist(result.transactions);
      const tx = result.transactions.at(-1)!;
      return {lt: tx.lt.toString(), hash: tx.hash().toString('base64')};
    });
  }

  /** Transactions of an account, newest first, from (lt, hash) inclusive down to toLt exclusive. */
  transactions(address: Address, options: {limit: number; lt?: string; hash?: string; toLt?: string}): IndexedTx[] {
    const all = this.txByAccount.get(address.toRawString()) ?? [];
    const result: IndexedTx[] = [];
    for (let i = all.length - 1; i >= 0 && result.length < options.limit; i--) {
      const tx = all[i]!;
      if (options.lt && BigInt(tx.lt) > BigInt(options.lt)) continue;
      if (options.toLt && BigInt(tx.lt) <= BigInt(options.toLt)) break;
      result.push(tx);
    }
    return result;
  }

  /** Wait for in-flight work to finish. */
  async close(): Promise<void> {
    await this.lock;
  }
}
