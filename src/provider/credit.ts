import {decodeReceipt} from '../protocol/receipt.js';
import {currentAccount, type ChannelAccount, type ChannelLedger, type PendingCharge} from './ledger.js';

/*
 * The provider's side of the payment rule of protocol version 2
 * (docs/protocol.md §8): many answers may be in flight on one channel, each
 * worst case reserved against the deposit and the channel's credit window;
 * vouchers are cumulative, so the newest one pays every receipt before it in
 * any order, and what stays unpaid is `owed − paid`.
 */

/** Answers and their worst cases reserved on a channel while they run. */
interface InFlight {
  count: number;
  worst: bigint;
}

/** Why a query may not start on a channel now. */
export type CreditRefusal =
  | {code: 'CREDIT_LIMIT'; message: string}
  | {code: 'INSUFFICIENT_DEPOSIT'; message: string};

/** The credit window a provider grants each channel. */
export interface CreditLimits {
  /** Answers unpaid or running at once. */
  queries: number;
  /** Unpaid charges plus running worst cases, nanoGRAM. */
  nano: bigint;
}

/** Default window: 8 answers, 0.1 GRAM. */
export const DEFAULT_CREDIT: CreditLimits = {queries: 8, nano: 100_000_000n};

// Every account read walks the unpaid receipts for their costs: decode each receipt once (keyed by its charge object, which copies of the account share).
const costs = new WeakMap<PendingCharge, bigint>();
const costOf = (charge: PendingCharge): bigint => {
  let cost = costs.get(charge);
  if (cost === undefined) {
    cost = decodeReceipt(Buffer.from(charge.receipt, 'hex')).cost;
    costs.set(charge, cost);
  }
  return cost;
};

/**
 * The receipts that still explain `owed − paid`, newest kept: a cumulative
 * voucher says how much is paid, not which receipts, so the oldest are taken
 * as paid first. Their costs sum to at least the unpaid amount.
 */
export function unpaidCharges(outstanding: readonly PendingCharge[], unpaid: bigint): PendingCharge[] {
  if (unpaid <= 0n) return [];
  const kept: PendingCharge[] = [];
  let covered = 0n;
  for (let i = outstanding.length - 1; i >= 0 && covered < unpaid; i--) {
    kept.unshift(outstanding[i]!);
    covered += costOf(outstanding[i]!);
  }
  return kept;
}

/**
 * What a voucher of `amount` does to an account: raise `paid` and drop the
 * receipts it pays (returns the new account), change nothing (undefined), or
 * refuse (a string). `covers` names receipts the consumer counts as paid: they
 * leave the outstanding list whatever order they were paid in, so a lost
 * answer stays listed (to be waived) behind later paid ones; the rest are
 * taken oldest first.
 */
export function applyVoucher(account: ChannelAccount, amount: bigint, signature: Uint8Array, covers: readonly string[] = []): ChannelAccount | undefined | string {
  if (amount > account.owed) return `Voucher amount ${amount} is above the ${account.owed} nanoGRAM this channel was charged.`;
  const listed = account.outstanding ?? [];
  const remaining = covers.length ? listed.filter((c) => !covers.includes(c.queryId)) : listed;
  if (amount <= account.paid) {
    // An older or repeated voucher: the newer one already covers its amount; its list may still name paid receipts.
    return remaining.length === listed.length ? undefined : {...account, outstanding: unpaidCharges(remaining, account.owed - account.paid)};
  }
  return {...account, paid: amount, voucher: {amount, signature}, outstanding: unpaidCharges(remaining, account.owed - amount)};
}

/** Write off the charge of `queryId` (the consumer says the answer never arrived whole); undefined if it is not outstanding. */
export function waiveCharge(account: ChannelAccount, queryId: string): ChannelAccount | undefined {
  const charge = (account.outstanding ?? []).find((c) => c.queryId === queryId);
  if (!charge) return undefined;
  const owed = account.owed - costOf(charge);
  if (owed < account.paid) return undefined; // already covered by a voucher: nothing to write off
  const outstanding = unpaidCharges((account.outstanding ?? []).filter((c) => c !== charge), owed - account.paid);
  return {...account, owed, outstanding, waived: account.waived + 1, waivedNano: (account.waivedNano ?? 0n) + costOf(charge)};
}

/** Beyond its first `maxWaived` waivers, a channel may decline at most this share of what it paid (1 %). */
export const WAIVED_SHARE_DIVISOR = 100n;

/**
 * True while a channel may still be served after its waivers: its first
 * `maxWaived` are free (lost answers happen), and beyond them the charges it
 * declined must stay within 1 % of what it paid. A long-lived, busy channel
 * (a gateway) is not refused for the rare lost answer of its thousands. An
 * account from before the declined sum was kept (`waivedNano` absent) at the
 * limit stays refused, as it was.
 */
export function withinWaiverBudget(account: ChannelAccount, maxWaived: number): boolean {
  if (account.waived < maxWaived) return true;
  return account.waivedNano !== undefined && account.waivedNano * WAIVED_SHARE_DIVISOR <= account.paid;
}

/**
 * Whether the waiver that turned `before` into `after` (waiveCharge) may be
 * taken: one of the first `maxWaived`, or one that keeps the declined sum
 * within 1 % of what was paid. Checked when the waiver arrives, so a few cheap
 * paid answers cannot buy one large free one: past the free ones, a charge
 * too large to decline stays outstanding until it is paid.
 */
export function mayWaive(before: ChannelAccount, after: ChannelAccount, maxWaived: number): boolean {
  return before.waived < maxWaived || withinWaiverBudget(after, maxWaived);
}

/**
 * Per-channel serialisation of account updates (the ledger is async) and the
 * answers running on each channel, reserved until they are charged or dropped.
 */
export class ChannelCredit {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly running = new Map<string, InFlight>();
  /** Accounts staged and not yet on disk (stage()), which account() reads before the ledger. */
  private readonly staged = new Map<string, ChannelAccount>();
  /** The newest voucher that rode on a query per channel, not yet written to the ledger (it is written with the next account write). */
  private readonly riders = new Map<string, {epoch: number; amount: bigint; signature: Uint8Array; covers: string[]}>();

  constructor(readonly limits: CreditLimits = DEFAULT_CREDIT) {}

  /**
   * Take a voucher that rode on a query (already verified and applied to
   * `account` by the caller, inside exclusive()). It counts at once for every
   * read through account(); it reaches the disk with the channel's next write
   * (the query's own charge, normally), so no query waits for an fsync before
   * its first token. A crash before that loses only this voucher, which the
   * consumer still holds and sends again.
   */
  ride(channel: string, epoch: number, voucher: {amount: bigint; signature: Uint8Array; covers?: readonly string[]}): void {
    const held = this.riders.get(channel);
    const covers = [...new Set([...(held?.epoch === epoch ? held.covers : []), ...(voucher.covers ?? [])])].slice(-64);
    if (held && held.epoch === epoch && held.amount >= voucher.amount) this.riders.set(channel, {...held, covers});
    else this.riders.set(channel, {epoch, amount: voucher.amount, signature: voucher.signature, covers});
  }

  /** The channel's account for its current life: a charge staged and not yet on disk included, and a voucher that rode on a query. */
  async account(ledger: ChannelLedger, channel: string, epoch: number): Promise<ChannelAccount> {
    const staged = this.staged.get(channel);
    const stored = staged && (staged.epoch ?? 1) >= epoch ? {...staged} : await currentAccount(ledger, channel, epoch);
    const rider = this.riders.get(channel);
    if (!rider || rider.epoch !== epoch) return stored;
    const next = applyVoucher(stored, rider.amount, rider.signature, rider.covers);
    return typeof next === 'object' ? next : stored;
  }

  /** Write an account (read through account()); a rider it includes is then on disk. */
  async save(ledger: ChannelLedger, channel: string, account: ChannelAccount): Promise<void> {
    await ledger.put(channel, account);
    const rider = this.riders.get(channel);
    if (rider && rider.epoch === (account.epoch ?? 1) && rider.amount <= account.paid) this.riders.delete(channel);
  }

  /**
   * Stage an account (call inside exclusive(), with one read through
   * account()): every later account() sees it at once, and the returned
   * promise resolves once it (or a newer account of the channel) is on disk.
   * Await it outside exclusive(): the next query's reservation on the channel
   * then does not wait for this write's fsync, and the ledger writes the
   * newest of several staged accounts once.
   */
  stage(ledger: ChannelLedger, channel: string, account: ChannelAccount): Promise<void> {
    this.staged.set(channel, account);
    const write = this.save(ledger, channel, account).finally(() => {
      if (this.staged.get(channel) === account) this.staged.delete(channel);
    });
    write.catch(() => undefined);
    return write;
  }

  /** Write every rider still held (after a query that ended without a charge, and on close). */
  async flush(ledger: ChannelLedger, channel?: string): Promise<void> {
    // Nothing to do (and no turn in the channel's queue taken) where no rider is held: the usual case after a charge.
    const channels = (channel ? [channel] : [...this.riders.keys()]).filter((c) => this.riders.has(c));
    await Promise.all(
      channels.map((c) =>
        this.exclusive(c, async () => {
          const rider = this.riders.get(c);
          if (rider) await this.save(ledger, c, await this.account(ledger, c, rider.epoch));
        }),
      ),
    );
  }

  /** Run `task` after every earlier task on `channel` (account read-modify-write). */
  async exclusive<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(channel) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(task);
    this.tails.set(channel, run);
    try {
      return await run;
    } finally {
      if (this.tails.get(channel) === run) this.tails.delete(channel);
    }
  }

  /** Answers running on `channel`. */
  inFlight(channel: string): InFlight {
    return this.running.get(channel) ?? {count: 0, worst: 0n};
  }

  /**
   * Reserve `worst` for one more answer on `channel`, or say why not: the
   * deposit must cover everything charged plus every running worst case, and
   * the window bounds unpaid plus running answers. Call inside exclusive().
   */
  reserve(channel: string, account: ChannelAccount, deposit: bigint, worst: bigint): CreditRefusal | (() => void) {
    const now = this.inFlight(channel);
    const unpaid = account.owed - account.paid;
    const unpaidCount = (account.outstanding ?? []).length;
    if (account.owed + now.worst + worst > deposit) {
      return {
        code: 'INSUFFICIENT_DEPOSIT',
        message: `Deposit ${deposit} nanoGRAM can't cover ${account.owed} charged${now.count ? ` and ${now.worst} reserved for ${now.count} running answers` : ''} plus up to ${worst} for this query.`,
      };
    }
    // One answer is always allowed on a channel with nothing unpaid or running (the deposit alone bounds it, as in protocol 1).
    const exposed = unpaidCount + now.count > 0;
    if (unpaidCount + now.count + 1 > this.limits.queries || (exposed && unpaid + now.worst + worst > this.limits.nano)) {
      return {
        code: 'CREDIT_LIMIT',
        message: `This channel has ${unpaidCount} unpaid and ${now.count} running answers (${unpaid + now.worst} nanoGRAM); this provider's credit window is ${this.limits.queries} answers and ${this.limits.nano} nanoGRAM. Pay the outstanding receipts, or wait for running answers.`,
      };
    }
    this.running.set(channel, {count: now.count + 1, worst: now.worst + worst});
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const cur = this.inFlight(channel);
      if (cur.count <= 1) this.running.delete(channel);
      else this.running.set(channel, {count: cur.count - 1, worst: cur.worst - worst});
    };
  }
}
