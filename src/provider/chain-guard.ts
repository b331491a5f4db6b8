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
  private readonly cache = new Map<string, {at: number; terms: ChannelTerms | undefined}>();

  constructor(private readonly options: ChainChannelGuardOptions) {}

  async lookup(channel: Address): Promise<ChannelTerms | undefined> {
    const now = (this.options.now ?? Date.now)();
    const key = channel.toRawString();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < (this.options.cacheMs ?? 3000)) return hit.terms;
    const terms = await this.fetch(channel);
    this.cache.set(key, {at: now, terms});
    return terms;
  }

  private async fetch(channel: Address): Promise<ChannelTerms | undefined> {
    const state = await readChannelState(this.options.client, channel);
    if (!state) return undefined;
    const derived = Channel.createFromConfig({consumer: state.consumer, provider: state.provider, consumerKey: state.consumerKey, closeDelay: state.closeDelay, globalId: state.globalId});
    if (!derived.address.equals(channel)) return undefined;
    if (!state.provider.equals(this.options.provider)) return undefined;
    if (state.state !== 'open') return undefined;
    if (state.closeDelay < (this.options.minCloseDelay ?? 600)) return undefined;
    return {deposit: state.deposited, consumerKey: state.consumerKey, epoch: state.epoch, globalId: state.globalId};
  }

  /** Forget cached terms (e.g. after a top-up). */
  forget(channel?: Address): void {
    if (channel) this.cache.delete(channel.toRawString());
    else this.cache.clear();
  }
}
