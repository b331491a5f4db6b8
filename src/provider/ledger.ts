/**
 * Per-channel accounting of a provider: what the newest voucher covers, what is
 * owed, and the receipts still unpaid. The on-chain settlement work reads
 * `voucher` from here; this file holds only the interface and the in-memory store.
 */

/** A receipt a channel has not paid yet (hex fields, as sent with CREDIT_LIMIT). */
export interface PendingCharge {
  /** Query id, hex. */
  queryId: string;
  /** Receipt bytes, hex. */
  receipt: string;
  /** Provider signature, hex. */
  signature: string;
}

/** One channel's account. */
export interface ChannelAccount {
  /** Cumulative nanoGRAM covered by the newest valid voucher. */
  paid: bigint;
  /** Cumulative nanoGRAM charged: `paid` plus the unpaid receipts. */
  owed: bigint;
  /** The receipts that explain `owed − paid`, oldest first (credit.ts unpaidCharges). Default: none. */
  outstanding?: PendingCharge[];
  /** Newest valid voucher (what settlement submits on chain). */
  voucher?: {amount: bigint; signature: Uint8Array};
  /** Charges the consumer declined as not received (provider policy may cap these). */
  waived: number;
  /** nanoGRAM of those declined charges. Default: 0 (accounts written before it was kept). */
  waivedNano?: bigint;
  /**
   * The channel's life this account belongs to (its on-chain epoch; a re-open
   * starts a new life with `paid` back at 0, and vouchers of earlier lives are
   * dead). Default: 1.
   */
  epoch?: number;
}

/** Where the provider keeps channel accounts. Keys are raw addresses ("0:hex"). */
export interface ChannelLedger {
  /** The account, or undefined for a channel never seen. */
  get(channel: string): Promise<ChannelAccount | undefined>;
  /** Store an account (replaces). */
  put(channel: string, account: ChannelAccount): Promise<void>;
  /** Raw addresses of every channel with an account (what the settler walks). */
  channels(): string[];
}

/**
 * The account of `channel` for the channel's current life: a stored account of
 * an earlier life is left behind (its vouchers can no longer be claimed).
 */
export async function currentAccount(ledger: ChannelLedger, channel: string, epoch = 1): Promise<ChannelAccount> {
  const account = await ledger.get(channel);
  if (!account || (account.epoch ?? 1) < epoch) return {paid: 0n, owed: 0n, waived: 0, epoch};
  return account;
}

/** A ChannelLedger in memory: for tests, benchmarks and as a cache in front of a durable one. */
export class MemoryChannelLedger implements ChannelLedger {
  private readonly accounts = new Map<string, ChannelAccount>();

  async get(channel: string): Promise<ChannelAccount | undefined> {
    const a = this.accounts.get(channel);
    return a && {...a};
  }

  async put(channel: string, account: ChannelAccount): Promise<void> {
    this.accounts.set(channel, {...account});
  }

  channels(): string[] {
    return [...this.accounts.keys()];
  }
}
