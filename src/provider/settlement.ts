import {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import {Channel} from '../chain/contracts/channel.js';
import type {ChannelState} from '../chain/contracts/channel-codec.js';
import {readChannelState} from '../chain/channel-state.js';
import type {ChannelLedger} from './ledger.js';

/** Why a channel was or was not claimed. */
export type ClaimOutcome = 'claimed' | 'below-threshold' | 'nothing-new' | 'too-small' | 'closed' | 'failed';

/** One channel's settlement result. */
export interface ClaimReport {
  channel: string;
  outcome: ClaimOutcome;
  /** Newest voucher held, nanoGRAM (cumulative). */
  voucher: bigint;
  /** Paid on chain before and after this run, nanoGRAM (cumulative). */
  paidBefore: bigint;
  paidAfter: bigint;
  /** Channel state on chain. */
  state?: ChannelState['state'];
  /** When a closing channel stops accepting claims (unix seconds). */
  unlockAt?: number;
  error?: string;
}

/** Options of Settler. */
export interface SettlerOptions {
  client: ChainClient;
  ledger: ChannelLedger;
  /** Claim when a channel's unclaimed vouchers reach this many nanoGRAM. */
  threshold: bigint;
  /**
   * Smallest amount worth an external claim, nanoGRAM: the channel deducts the
   * claim's gas and import fee from the payout and refuses a claim that does not
   * cover them (~0.003 GRAM). Default: 5,000,000 (0.005 GRAM).
   */
  minClaim?: bigint;
  /** Claim a closing channel when its unlock time is this near, seconds. Default: 600. */
  closeMarginSec?: number;
  /** How long to wait for a claim to show on chain, ms. Default: 60 s. */
  timeoutMs?: number;
  /** Clock, unix seconds. Default: wall clock. */
  now?: () => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Submits the newest voucher of each channel on chain as an external claim (no
 * wallet key on the serving machine: the payout always goes to the provider's
 * wallet). It claims when the unclaimed amount passes the threshold, when a
 * closing channel nears its deadline, and on demand (`force`, used at shutdown
 * and by `provide claim`). It reads what the channel has paid first and never
 * submits a voucher the chain already counts, so a claim is never made twice.
 */
export class Settler {
  private running?: {forced: boolean; done: Promise<ClaimReport[]>};
  private forcedNext?: Promise<ClaimReport[]>;
  /** Per channel: the highest amount known to be settled on chain (paid, or written off by a close). */
  private readonly settled = new Map<string, bigint>();
  /** Channels seen closed on chain (re-read only if a newer voucher arrives: a closed channel can be re-opened). */
  private readonly closed = new Set<string>();

  constructor(private readonly options: SettlerOptions) {}

  /**
   * One pass over every channel. Concurrent calls share the pass in flight,
   * except that a forced call never settles for an unforced pass: it waits for
   * that one to end and then runs (or joins) a forced pass, so a shutdown
   * during a timer pass still claims everything.
   */
  settle(opts: {force?: boolean} = {}): Promise<ClaimReport[]> {
    const force = Boolean(opts.force);
    const current = this.running;
    if (current && (current.forced || !force)) return current.done;
    if (current) {
      this.forcedNext ??= current.done
        .catch(() => undefined)
        .then(() => {
          this.forcedNext = undefined;
          return this.settle({force: true});
        });
      return this.forcedNext;
    }
    const done: Promise<ClaimReport[]> = this.pass(force).finally(() => {
      if (this.running?.done === done) this.running = undefined;
    });
    this.running = {forced: force, done};
    return done;
  }

  private async pass(force: boolean): Promise<ClaimReport[]> {
    const reports: ClaimReport[] = [];
    for (const channel of this.options.ledger.channels()) {
      reports.push(await this.settleChannel(channel, force));
    }
    return reports;
  }

  private async settleChannel(channel: string, force: boolean): Promise<ClaimReport> {
    const account = await this.options.ledger.get(channel);
    const voucher = account?.voucher;
    // The ledger first: without a voucher beyond what the chain is known to count, there is nothing to read for.
    const known = this.settled.get(channel);
    if (!voucher || (known !== undefined && voucher.amount <= known)) {
      const outcome = this.closed.has(channel) ? 'closed' : 'nothing-new';
      return {channel, outcome, voucher: voucher?.amount ?? 0n, paidBefore: known ?? 0n, paidAfter: known ?? 0n};
    }
    const address = Address.parseRaw(channel);
    const state = await readChannelState(this.options.client, address);
    const paid = state?.paid ?? 0n;
    const base = {channel, voucher: voucher.amount, paidBefore: paid, paidAfter: paid, state: state?.state, unlockAt: state?.unlockAt};
    if (state) this.settled.set(channel, paid);
    if (voucher.amount <= paid) return {...base, outcome: 'nothing-new'};
    // No channel answers there (or the read failed): report it, but look again next pass.
    if (!state) return {...base, outcome: 'closed'};
    if (state.state === 'closed') {
      // Nothing on it can be claimed any more: remember that, so later passes make no read for it
      // (unless a newer voucher arrives, which means it was re-opened and served again).
      this.closed.add(channel);
      this.settled.set(channel, voucher.amount);
      return {...base, outcome: 'closed'};
    }
    this.closed.delete(channel);
    const due = voucher.amount - paid;
    const now = (this.options.now ?? (() => Math.floor(Date.now() / 1000)))();
    const deadlineNear = state.state === 'closing' && state.unlockAt - now <= (this.options.closeMarginSec ?? 600);
    if (!force && !deadlineNear && due < this.options.threshold) return {...base, outcome: 'below-threshold'};
    if (due < (this.options.minClaim ?? 5_000_000n)) return {...base, outcome: 'too-small'};
    try {
      const contract = this.options.client.ton.open(Channel.createFromAddress(address));
      await this.options.client.call(() => contract.sendExternalClaim({amount: voucher.amount, signature: Buffer.from(voucher.signature)}));
      const paidAfter = await this.waitForPaid(address, voucher.amount);
      this.settled.set(channel, paidAfter);
      return {...base, paidAfter, outcome: 'claimed'};
    } catch (error) {
      return {...base, outcome: 'failed', error: (error as Error).message};
    }
  }

  private async waitForPaid(address: Address, amount: bigint): Promise<bigint> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 60_000);
    for (;;) {
      const state = await readChannelState(this.options.client, address);
      if (state && state.paid >= amount) return state.paid;
      if (Date.now() > deadline) throw new Error(`the claim of ${amount} has not shown on chain in time`);
      await sleep(500);
    }
  }
}
