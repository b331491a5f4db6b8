import type {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import {Channel} from '../chain/contracts/channel.js';
import {readChannelState} from '../chain/channel-state.js';
import type {ChannelGuard, ChannelTerms} from './channel-guard.js';

/** Options of ChainChannelGuard. */
export interface ChainChannelGuardOptions {
  client: ChainClient;
  /** This provider's wallet: channels must pay it. */
  provider: Address;
  /** Shortest close delay accepted, seconds: the provider needs time to claim after a close starts. Default: 600. */
  minCloseDelay?: number;
  /** How long a channel's terms are reused before the chain is asked again, ms. Default: 3000. */
  cacheMs?: number;
  /**
   * Past cacheMs and up to this age, terms are still used while a fresh read
   * runs in the background (a query never waits for the chain on a channel
   * served a minute ago). A deposit only grows while a channel is open, and a
   * close leaves the provider its close delay (≥ minCloseDelay) to claim, so
   * serving on terms this old risks nothing. Default: 60,000.
   */
  staleMs?: number;
  /** Clock, ms. Default: Date.now. */
  now?: () => number;
}

/**
 * The provider's on-chain ChannelGuard. A channel is served only if the address
 * is exactly what our channel code gives for the state it reports (so no other
 * contract can fake a deposit), it pays this provider, it is open, and its close
 * delay leaves time to claim.
 */
export class ChainChannelGuard implements ChannelGuard {
  private readonly cache = new Map<string, {at: number; terms?: ChannelTerms; refusal?: string}>();
  private readonly refreshing = new Map<string, Promise<ChannelTerms | undefined>>();

  constructor(private readonly options: ChainChannelGuardOptions) {}

  async lookup(channel: Address, options: {maxAgeMs?: number} = {}): Promise<ChannelTerms | undefined> {
    const now = (this.options.now ?? Date.now)();
    const key = channel.toRawString();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < Math.min(this.options.cacheMs ?? 3000, options.maxAgeMs ?? Infinity)) return hit.terms;
    const read = this.refreshing.get(key) ?? this.read(channel, key, now);
    // Terms of an open channel a little older than the cache age serve while the read runs (none when a fresh figure is asked for).
    if (hit?.terms && options.maxAgeMs === undefined && now - hit.at < (this.options.staleMs ?? 60_000)) {
      read.catch(() => undefined);
      return hit.terms;
    }
    return read;
  }

  /** One chain read per channel at a time; its result replaces the cached terms. */
  private read(channel: Address, key: string, now: number): Promise<ChannelTerms | undefined> {
    const read = this.fetch(channel).then((found) => {
      this.cache.set(key, {at: now, ...found});
      return found.terms;
    });
    this.refreshing.set(key, read);
    void read.finally(() => this.refreshing.delete(key)).catch(() => undefined);
    return read;
  }

  /** Why the last lookup of `channel` found no terms. */
  refusal(channel: Address): string | undefined {
    return this.cache.get(channel.toRawString())?.refusal;
  }

  private async fetch(channel: Address): Promise<{terms?: ChannelTerms; refusal?: string}> {
    const state = await readChannelState(this.options.client, channel);
    if (!state) return {refusal: 'No payment channel is deployed at that address (open it first, and wait for the transaction).'};
    const derived = Channel.createFromConfig({consumer: state.consumer, provider: state.provider, consumerKey: state.consumerKey, closeDelay: state.closeDelay, globalId: state.globalId});
    if (!derived.address.equals(channel)) return {refusal: 'The contract at that address is not a Cocoon payment channel (its address does not match the channel code for its state).'};
    if (!state.provider.equals(this.options.provider)) return {refusal: 'That payment channel pays another provider.'};
    if (state.state !== 'open') return {refusal: `That payment channel is ${state.state}, not open; open a new channel to keep asking.`};
    const min = this.options.minCloseDelay ?? 600;
    if (state.closeDelay < min) {
      return {
        refusal: `This provider requires channels with a close delay of at least ${min} s (time to claim after a close starts); this channel's close delay is ${state.closeDelay} s. Open a channel with a longer close delay.`,
      };
    }
    return {terms: {deposit: state.deposited, consumerKey: state.consumerKey, epoch: state.epoch, globalId: state.globalId}};
  }

  /** Forget cached terms (e.g. after a top-up). */
  forget(channel?: Address): void {
    if (channel) this.cache.delete(channel.toRawString());
    else this.cache.clear();
  }
}
