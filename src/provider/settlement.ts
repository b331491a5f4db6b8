import {Address, Cell} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import {isCocoonError} from '../errors.js';
import {Channel} from '../chain/contracts/channel.js';
import type {ChannelState} from '../chain/contracts/channel-codec.js';
import {claimMovedPaid, externalClaimSplit} from '../chain/contracts/claim-fees.js';
import {parseGasPrices, parseMsgPrices, type GasPrices, type MsgPrices} from '../chain/contracts/fees.js';
import {readChannelState} from '../chain/channel-state.js';
import type {ChannelLedger} from './ledger.js';

/**
 * Why a channel was or was not claimed. 'too-small': the channel would refuse
 * the claim, or (unless a deadline forces it) its fees would eat half of it;
 * 'stale': the voucher belongs to an earlier life of a re-opened channel and
 * can never be claimed; 'stuck': an earlier claim of this very voucher moved
 * nothing, so it is not sent again until a newer voucher arrives.
 */
export type ClaimOutcome = 'claimed' | 'below-threshold' | 'nothing-new' | 'too-small' | 'closed' | 'stale' | 'stuck' | 'failed';

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
  /** What the claim would land on the provider's wallet after its fees, nanoGRAM (when it was weighed). */
  expected?: bigint;
  /** Why it was not claimed, in words (too-small, stuck, stale). */
  reason?: string;
  error?: string;
}

/** Options of Settler. */
export interface SettlerOptions {
  client: ChainClient;
  ledger: ChannelLedger;
  /** Claim when a channel's unclaimed vouchers reach this many nanoGRAM. */
  threshold: bigint;
  /**
   * Smallest amount worth an external claim, nanoGRAM, on top of the fee rule:
   * the channel deducts the claim's gas and import fee from the payout and
   * refuses a claim that does not cover them; the settler also skips a claim
   * whose fees would take half of it unless a closing deadline forces it.
   * Default: 0 (the fee rule alone).
   */
  minClaim?: bigint;
  /** Gas and forward-fee prices of the basechain (config params 21 and 25). Default: the sandbox's mainnet snapshot. */
  prices?: {gas: GasPrices; msg: MsgPrices};
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
  /** Per channel: a voucher amount whose claim moved nothing (never sent again). */
  private readonly stuck = new Map<string, bigint>();
  private prices?: Promise<{gas: GasPrices; msg: MsgPrices}>;

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
    // A voucher of an earlier life is dead: the channel was re-opened and counts from 0 again.
    if ((account!.epoch ?? 1) < state.epoch) {
      this.settled.set(channel, voucher.amount);
      return {...base, paidBefore: 0n, paidAfter: 0n, outcome: 'stale', reason: `the voucher is of life ${account!.epoch ?? 1}; the channel is in life ${state.epoch}`};
    }
    if (this.stuck.get(channel) === voucher.amount) {
      return {...base, outcome: 'stuck', reason: 'an earlier claim of this voucher moved nothing on chain; waiting for a newer voucher'};
    }
    // The channel pays at most its deposit (rent may have lowered it): weigh what it would really pay.
    const claimable = voucher.amount < state.deposited ? voucher.amount : state.deposited;
    if (claimable <= paid) return {...base, outcome: 'nothing-new'};
    const due = claimable - paid;
    const {gas, msg} = await this.loadPrices();
    const split = externalClaimSplit(claimable, paid, gas, msg);
    const now = (this.options.now ?? (() => Math.floor(Date.now() / 1000)))();
    const deadlineNear = state.state === 'closing' && state.unlockAt - now <= (this.options.closeMarginSec ?? 600);
    if (!force && !deadlineNear && due < this.options.threshold) return {...base, expected: split.received, outcome: 'below-threshold'};
    if (!split.accepted || due < (this.options.minClaim ?? 0n)) {
      return {...base, expected: 0n, outcome: 'too-small', reason: `the channel refuses a claim of ${due} (its fees need more than ${split.threshold})`};
    }
    // Fees that would take half the payout are worth waiting out, unless the claim window is closing.
    if (!deadlineNear && split.received * 2n < due) {
      return {...base, expected: split.received, outcome: 'too-small', reason: `fees would take ${due - split.received} of ${due}; waiting for more`};
    }
    try {
      const contract = this.options.client.ton.open(Channel.createFromAddress(address));
      await this.options.client.call(() => contract.sendExternalClaim({amount: voucher.amount, signature: Buffer.from(voucher.signature)}));
      const after = await this.waitForMove(address, state);
      if (!after) {
        this.stuck.set(channel, voucher.amount);
        return {...base, expected: split.received, outcome: 'failed', error: 'the claim moved nothing on chain in time; this voucher will not be sent again'};
      }
      this.settled.set(channel, after.paid);
      return {...base, paidAfter: after.paid, expected: split.received, outcome: 'claimed'};
    } catch (error) {
      // The chain refused it outright (a bad signature, a dead voucher): the same voucher would be refused again.
      if (isCocoonError(error) && error.code === 'CHAIN_ERROR') this.stuck.set(channel, voucher.amount);
      return {...base, expected: split.received, outcome: 'failed', error: (error as Error).message};
    }
  }

  private loadPrices(): Promise<{gas: GasPrices; msg: MsgPrices}> {
    this.prices ??= this.options.prices
      ? Promise.resolve(this.options.prices)
      : import('@ton/sandbox').then(({defaultConfig}) => {
          const config = Cell.fromBase64(defaultConfig);
          return {gas: parseGasPrices(config), msg: parseMsgPrices(config)};
        });
    return this.prices;
  }

  /** The channel's state once a claim moved `paid` (in the same life), or undefined after the timeout. */
  private async waitForMove(address: Address, before: ChannelState): Promise<ChannelState | undefined> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 60_000);
    for (;;) {
      const state = await readChannelState(this.options.client, address);
      if (state && claimMovedPaid(before, state)) return state;
      if (Date.now() > deadline) return undefined;
      await sleep(500);
    }
  }
}
