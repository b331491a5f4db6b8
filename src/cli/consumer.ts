import {Flags} from '@oclif/core';
import type {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import type {Settings} from '../config/settings.js';
import type {ChannelRecord, ChannelStore} from '../consumer/channel-store.js';
import type {WalletSender} from '../wallet/wallet-sender.js';
import {askPassword} from './prompts.js';

/** Filters shared by `providers list` and `ask`. */
export const providerFilterFlags = {
  arch: Flags.string({description: 'Model architecture (llama, qwen, deepseek …)'}),
  model: Flags.string({char: 'm', description: 'Model name'}),
  'max-price': Flags.string({description: 'Highest completion price, TON per 1M tokens'}),
};

/** The wallet that pays, unlocked only when money must move (opening or funding a channel). */
export async function unlockSender(settings: Settings, walletFlag: string | undefined): Promise<{name: string; sender: WalletSender}> {
  const {WalletStore} = await import('../wallet/store.js');
  const {unlockWallet} = await import('../wallet/service.js');
  const {WalletSender} = await import('../wallet/wallet-sender.js');
  const {ChainClient} = await import('../chain/client.js');
  const {explainExit} = await import('../chain/exit-messages.js');
  const store = new WalletStore();
  const name = store.resolveName(walletFlag, settings.get('wallet') || undefined);
  const unlocked = await unlockWallet(store, name, await askPassword({message: `Password for wallet "${name}":`}));
  const client = await ChainClient.fromSettings(settings);
  return {name, sender: await WalletSender.create({client, keyPair: unlocked, explainExit})};
}

/** A stored channel named by its provider's or its own address. */
export async function findChannel(store: ChannelStore, text: string): Promise<ChannelRecord> {
  const {parseAddress} = await import('../chain/units.js');
  const address: Address = parseAddress(text);
  const raw = address.toRawString();
  const record = store.list().find((r) => r.provider === raw || r.channel === raw);
  if (!record) {
    throw new CocoonError('NOT_FOUND', `No channel of yours to or at ${text}.`, {hint: 'See `cocoon channel list`, or open one with `cocoon channel open PROVIDER`.'});
  }
  return record;
}
