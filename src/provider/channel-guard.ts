import type {Address} from '@ton/core';

/** What the provider must know about a channel before it serves it. */
export interface ChannelTerms {
  /** The most the channel can ever pay in total (its deposit), nanoTON. Vouchers above it can't be claimed. */
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
  /** Terms of an open channel to this provider, or undefined if there is none at `channel`. */
  lookup(channel: Address): Promise<ChannelTerms | undefined>;
}

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
