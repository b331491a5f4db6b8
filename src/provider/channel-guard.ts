import type {Address} from '@ton/core';

/** What the provider must know about a channel before it serves it. */
export interface ChannelTerms {
  /** The most the channel can ever pay in total (its deposit), nanoGRAM. Vouchers above it can't be claimed. */
  deposit: bigint;
  /** The consumer's Ed25519 public key that signs this channel's vouchers. */
  consumerKey: Uint8Array;
  /** The channel's life counter and network id, which every voucher signs (contracts v2). Defaults 1 and mainnet's. */
  epoch?: number;
  globalId?: number;
}

/**
 * Answers "is this an open channel paying me, how much can it pay, and whose
 * key signs its vouchers". The on-chain implementation reads the channel
 * contract; tests use TableChannelGuard.
 */
export interface ChannelGuard {
  /**
   * Terms of an open channel to this provider, or undefined if there is none at
   * `channel`. `maxAgeMs`: accept cached terms no older than this (a deposit that
   * looks short may have just been topped up). Default: the guard's own cache age.
   */
  lookup(channel: Address, options?: {maxAgeMs?: number}): Promise<ChannelTerms | undefined>;
  /**
   * Why the last lookup of `channel` found no terms, in words a consumer can
   * act on (the policy and what the channel has). Optional: without it the
   * refusal says only that there is no open channel.
   */
  refusal?(channel: Address): string | undefined;
}

/** The refusal text when a guard gives no reason. */
export const NO_CHANNEL = 'No open payment channel to this provider at that address.';

/** A ChannelGuard over a plain table (tests, benchmarks, local demos). */
export class TableChannelGuard implements ChannelGuard {
  private readonly table = new Map<string, ChannelTerms>();

  /** Add or replace a channel. */
  set(channel: Address, terms: ChannelTerms): this {
    this.table.set(channel.toRawString(), terms);
    return this;
  }

  async lookup(channel: Address): Promise<ChannelTerms | undefined> {
    return this.table.get(channel.toRawString());
  }
}
