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
  /** Newest voucher held, nanoTON (cumulative). */
  voucher: bigint;
  /** Paid on chain before and after this run, nanoTON (cumulative). */
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
  /** Claim when a channel's unclaimed vouchers reach this many nanoTON. */
  threshold: bigint;
  /**
   * Smallest amount worth an external claim, nanoTON: the channel deducts the
   * claim's gas and import fee from the payout and refuses a claim that does not
   * cover them. Default: 0.01 TON.
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
  private running?: Promise<ClaimReport[]>;

  constructor(private readonly options: SettlerOptions) {}

  /** One pass over every channel. Concurrent calls share the pass in flight. */
  settle(opts: {force?: boolean} = {}): Promise<ClaimReport[]> {
    this.running ??= this.pass(Boolean(opts.force)).finally(() => (this.running = undefined));
    return this.running;
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
    const address = Address.parseRaw(channel);
    const state = await readChannelState(this.options.client, address);
    const paid = state?.paid ?? 0n;
    const base = {channel, voucher: voucher?.amount ?? 0n, paidBefore: paid, paidAfter: paid, state: state?.state, unlockAt: state?.unlockAt};
    if (!voucher || voucher.amount <= paid) return {...base, outcome: 'nothing-new'};
    if (!state || state.state === 'closed') return {...base, outcome: 'closed'};
    const due = voucher.amount - paid;
    const now = (this.options.now ?? (() => Math.floor(Date.now() / 1000)))();
    const deadlineNear = state.state === 'closing' && state.unlockAt - now <= (this.options.closeMarginSec ?? 600);
    if (!force && !deadlineNear && due < this.options.threshold) return {...base, outcome: 'below-threshold'};
    if (due < (this.options.minClaim ?? 5_000_000n)) return {...base, outcome: 'too-small'};
    try {
      const contract = this.options.client.ton.open(Channel.createFromAddress(address));
      await this.options.client.call(() => contract.sendExternalClaim({amount: voucher.amount, signature: Buffer.from(voucher.signature)}));
      const paidAfter = await this.waitForPaid(address, voucher.amount);
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
