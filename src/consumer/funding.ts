import type {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {formatTon} from '../chain/units.js';
import {CocoonError} from '../errors.js';
import type {WalletSender} from '../wallet/wallet-sender.js';
import type {ChannelRecord, ChannelStore} from './channel-store.js';
import {openChannel, topUpChannel} from './channels.js';
import {KeyedMutex} from './keyed-mutex.js';

/**
 * When a channel cannot cover a query: 'never' refuses (INSUFFICIENT_FUNDS),
 * 'confirm' asks the `confirm` callback, 'always' tops up.
 */
export type FundingMode = 'never' | 'confirm' | 'always';

/** Money the policy moved on chain. */
export type FundingEvent =
  | {type: 'channel-opened'; provider: string; channel: string; amount: bigint}
  | {type: 'channel-topped-up'; provider: string; channel: string; amount: bigint};

/** What a low channel looks like when the policy has to decide. */
export interface LowBalance {
  record: ChannelRecord;
  /** nanoGRAM the channel has left. */
  remaining: bigint;
  /** nanoGRAM the query may cost at most. */
  needed: bigint;
  /** nanoGRAM a top-up would add. */
  amount: bigint;
}

/** The wallet that pays, once unlocked. */
export interface PayingWallet {
  name: string;
  sender: WalletSender;
}

/** Options of FundingPolicy. */
export interface FundingPolicyOptions {
  client: ChainClient;
  store: ChannelStore;
  /** Unlocks the paying wallet; called only when money must move, and a success is kept. Required. */
  wallet: () => Promise<PayingWallet>;
  /** nanoGRAM deposited when a channel is opened or topped up (at least what the query needs). Required. */
  deposit: bigint;
  /** What to do when a channel is too low for a query. Required. */
  mode: FundingMode;
  /** Asked in 'confirm' mode; false refuses the query (ABORTED). Default: refuse. */
  confirm?: (low: LowBalance) => Promise<boolean>;
  /** The hint of the INSUFFICIENT_FUNDS refusal in 'never' mode. Default: a generic one. */
  refusalHint?: (low: LowBalance) => string;
  /** Close delay of new channels, seconds. Default: openChannel's (3600). */
  closeDelay?: number;
  /** Told after each on-chain payment. */
  onEvent?: (event: FundingEvent) => void;
  /** Told before a channel is opened (the CLI says so: it costs money). */
  onOpening?: (provider: Address, deposit: bigint) => void;
}

/**
 * The one funding policy of `ask`, the gateway and the SDK: a first query to
 * a provider opens a channel, and a channel too low for a query is topped up,
 * asked about, or refused, as the mode says. Wallet transactions run one at a
 * time: the wallet's seqno allows one pending transfer.
 */
export class FundingPolicy {
  private unlocking?: Promise<PayingWallet>;
  private readonly serial = new KeyedMutex();

  constructor(private readonly options: FundingPolicyOptions) {}

  private unlocked(): Promise<PayingWallet> {
    if (!this.unlocking) {
      const attempt = this.options.wallet();
      this.unlocking = attempt;
      // A failed unlock (no password yet) is tried again next time.
      attempt.catch(() => {
        if (this.unlocking === attempt) this.unlocking = undefined;
      });
    }
    return this.unlocking;
  }

  /** Open a channel to `provider` with the configured deposit (ask()'s openChannel). */
  openChannel = (provider: ProviderRecord): Promise<ChannelRecord> =>
    this.serial.run('wallet', async () => {
      // Another request may have opened it while this one waited.
      const node = provider.nodeKey.toString('hex');
      const existing = this.options.store.get(provider.owner.toRawString(), node);
      if (existing) return existing;
      this.options.onOpening?.(provider.owner, this.options.deposit);
      const {name, sender} = await this.unlocked();
      const {client, store, deposit, closeDelay} = this.options;
      const record = await openChannel({client, store, sender, walletName: name, provider: provider.owner, node, deposit, closeDelay});
      this.options.onEvent?.({type: 'channel-opened', provider: record.provider, channel: record.channel, amount: deposit});
      return record;
    });

  /** ask()'s onLowBalance: top up by the deposit (or what the query needs, if more), ask first, or refuse, by mode. */
  onLowBalance = async (record: ChannelRecord, remaining: bigint, needed: bigint): Promise<void> => {
    const low: LowBalance = {record, remaining, needed, amount: this.options.deposit > needed ? this.options.deposit : needed};
    if (this.options.mode === 'never') {
      throw new CocoonError('INSUFFICIENT_FUNDS', `The channel to this provider has ${formatTon(remaining)} GRAM left; this query may cost up to ${formatTon(needed)} GRAM.`, {
        hint: this.options.refusalHint?.(low) ?? 'Top the channel up with `cocoon channel topup`, or ask for fewer tokens.',
      });
    }
    if (this.options.mode === 'confirm' && !(await (this.options.confirm?.(low) ?? Promise.resolve(false)))) {
      throw new CocoonError('ABORTED', 'Not asked: the channel was not topped up.');
    }
    await this.serial.run('wallet', async () => {
      const {sender} = await this.unlocked();
      await topUpChannel({client: this.options.client, record, sender, amount: low.amount});
    });
    this.options.onEvent?.({type: 'channel-topped-up', provider: record.provider, channel: record.channel, amount: low.amount});
  };
}
