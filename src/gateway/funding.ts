import type {ChainClient} from '../chain/client.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {formatTon} from '../chain/units.js';
import type {ChannelRecord, ChannelStore} from '../consumer/channel-store.js';
import {openChannel, topUpChannel} from '../consumer/channels.js';
import {CocoonError} from '../errors.js';
import type {WalletSender} from '../wallet/wallet-sender.js';
import {KeyedMutex} from './keyed-mutex.js';

/** Money the gateway moved on chain, for the operator's log. */
export type FundingEvent =
  | {type: 'channel-opened'; provider: string; channel: string; amount: bigint}
  | {type: 'channel-topped-up'; provider: string; channel: string; amount: bigint};

/** Options of ChannelFunding. */
export interface ChannelFundingOptions {
  client: ChainClient;
  store: ChannelStore;
  /** Unlocks the paying wallet. Called only when money must move; a success is kept for the gateway's life. Required. */
  unlockWallet: () => Promise<{name: string; sender: WalletSender}>;
  /** nanoTON deposited when a channel is opened or topped up (at least what the query needs). Required. */
  deposit: bigint;
  /** Close delay of new channels, seconds. Default: openChannel's (3600). */
  closeDelay?: number;
  /** Top up a channel that cannot cover a query; otherwise refuse it (INSUFFICIENT_FUNDS). Default: false. */
  autoTopUp?: boolean;
  /** Told after each on-chain payment. */
  onEvent?: (event: FundingEvent) => void;
}

/**
 * The two moments `ask()` needs money moved: a first query to a provider opens
 * a channel, and a channel too low for a query is topped up (only when the
 * operator allowed it). Wallet transactions run one at a time: the wallet's
 * seqno allows one pending transfer.
 */
export class ChannelFunding {
  private wallet?: Promise<{name: string; sender: WalletSender}>;
  private readonly serial = new KeyedMutex();

  constructor(private readonly options: ChannelFundingOptions) {}

  private unlocked(): Promise<{name: string; sender: WalletSender}> {
    if (!this.wallet) {
      const attempt = this.options.unlockWallet();
      this.wallet = attempt;
      // A failed unlock (no password yet) is tried again by the next request.
      attempt.catch(() => {
        if (this.wallet === attempt) this.wallet = undefined;
      });
    }
    return this.wallet;
  }

  /** Open a channel to `provider` with the configured deposit (ask()'s openChannel). */
  openChannel = (provider: ProviderRecord): Promise<ChannelRecord> =>
    this.serial.run('wallet', async () => {
      const {name, sender} = await this.unlocked();
      const record = await openChannel({client: this.options.client, store: this.options.store, sender, walletName: name, provider: provider.owner, deposit: this.options.deposit, closeDelay: this.options.closeDelay});
      this.options.onEvent?.({type: 'channel-opened', provider: record.provider, channel: record.channel, amount: this.options.deposit});
      return record;
    });

  /** ask()'s onLowBalance: top up by the deposit (or what the query needs, if more) when allowed, else refuse. */
  onLowBalance = async (record: ChannelRecord, remaining: bigint, needed: bigint): Promise<void> => {
    if (!this.options.autoTopUp) {
      throw new CocoonError('INSUFFICIENT_FUNDS', `The channel to this provider has ${formatTon(remaining)} TON left; this request may cost up to ${formatTon(needed)} TON.`, {
        hint: 'Ask for fewer max_tokens, or have the gateway operator top the channel up (`cocoon channel topup`) or start the gateway with --auto-topup.',
      });
    }
    const amount = this.options.deposit > needed ? this.options.deposit : needed;
    await this.serial.run('wallet', async () => {
      const {sender} = await this.unlocked();
      await topUpChannel({client: this.options.client, record, sender, amount});
    });
    this.options.onEvent?.({type: 'channel-topped-up', provider: record.provider, channel: record.channel, amount});
  };
}
