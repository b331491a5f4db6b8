import {Address} from '@ton/core';
import type {NetworkName} from '../config/settings.js';
import {formatTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import type {ChannelView} from './channels.js';

/** A channel as commands show it (JSON-safe; never the voucher key). */
export interface ChannelSummary {
  channel: string;
  provider: string;
  wallet: string;
  state: string;
  /** GRAM. */
  deposited: string;
  signed: string;
  claimed: string;
  remaining: string;
  closeDelay: number;
  unlockAt: string | null;
}

/** JSON-safe summary of a channel view. */
export function summarizeChannel(view: ChannelView, network: NetworkName): ChannelSummary {
  return {
    channel: formatAddress(Address.parseRaw(view.record.channel), network, {bounceable: true}),
    provider: formatAddress(Address.parseRaw(view.record.provider), network),
    wallet: view.record.wallet,
    state: view.state,
    deposited: formatTon(view.deposited),
    signed: formatTon(view.signed),
    claimed: formatTon(view.claimed),
    remaining: formatTon(view.remaining),
    closeDelay: view.record.closeDelay,
    unlockAt: view.unlockAt ? new Date(view.unlockAt * 1000).toISOString() : null,
  };
}
