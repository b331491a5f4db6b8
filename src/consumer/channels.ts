import {MAINNET_GLOBAL_ID} from '../chain/contracts/network-id.js';
import {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import {Channel} from '../chain/contracts/channel.js';
import {readChannelState} from '../chain/channel-state.js';
import {DEFAULT_CLOSE_DELAY, type ChannelState} from '../chain/contracts/channel-codec.js';
import {ed25519PublicKey} from '../crypto/ed25519.js';
import type {WalletSender} from '../wallet/wallet-sender.js';
import {ChannelStore, type ChannelRecord} from './channel-store.js';

/** The contract wrapper of a stored channel, opened on the client. */
export function channelContract(client: ChainClient, record: ChannelRecord) {
  const config = {
    consumer: Address.parseRaw(record.consumer),
    provider: Address.parseRaw(record.provider),
    consumerKey: ed25519PublicKey(Buffer.from(record.voucherKey, 'hex')),
    closeDelay: record.closeDelay,
  };
  return client.ton.open(Channel.createFromConfig(config));
}

/** Options of openChannel. */
export interface OpenChannelOptions {
  client: ChainClient;
  store: ChannelStore;
  /** The consumer's unlocked wallet. */
  sender: WalletSender;
  walletName: string;
  provider: Address;
  /** nanoTON to deposit. */
  deposit: bigint;
  /** Seconds the provider keeps to claim after a close starts. Default: 3600. */
  closeDelay?: number;
}

/** Open (deploy and fund) a channel to a provider, keeping its voucher key locally first. */
export async function openChannel(options: OpenChannelOptions): Promise<ChannelRecord> {
  const existing = options.store.get(options.provider.toRawString());
  if (existing) {
    throw new CocoonError('ALREADY_EXISTS', 'There is already a channel to this provider.', {hint: 'Add funds with `cocoon channel topup`.'});
  }
  const record: ChannelRecord = {
    version: 1,
    network: options.store.network,
    channel: '',
    provider: options.provider.toRawString(),
    consumer: options.sender.address.toRawString(),
    wallet: options.walletName,
    voucherKey: ChannelStore.newVoucherKey().toString('hex'),
    closeDelay: options.closeDelay ?? DEFAULT_CLOSE_DELAY,
    paid: '0',
    createdAt: new Date().toISOString(),
  };
  const contract = channelContract(options.client, record);
  record.channel = contract.address.toRawString();
  // The key is saved before any money moves: a crash after the deposit still leaves a usable channel.
  options.store.put(record);
  await contract.sendOpen(options.sender, {value: options.deposit});
  return record;
}

/** A stored channel joined with its on-chain state. */
export interface ChannelView {
  record: ChannelRecord;
  state: ChannelState['state'] | 'not deployed';
  /** nanoTON deposited in total, paid out on chain, signed locally, and left to spend. */
  deposited: bigint;
  claimed: bigint;
  signed: bigint;
  remaining: bigint;
  unlockAt: number;
  /** The channel's life counter and network id (contracts v2): vouchers must carry them. */
  epoch: number;
  globalId: number;
}

/** On-chain state of a stored channel. */
export async function viewChannel(client: ChainClient, record: ChannelRecord): Promise<ChannelView> {
  // One get-method call: a channel that is not deployed (yet) simply does not answer it.
  const s = await readChannelState(client, Address.parseRaw(record.channel));
  const signed = BigInt(record.paid);
  if (!s) return {record, state: 'not deployed', deposited: 0n, claimed: 0n, signed, remaining: 0n, unlockAt: 0, epoch: 0, globalId: MAINNET_GLOBAL_ID};
  return {record, state: s.state, deposited: s.deposited, claimed: s.paid, signed, remaining: s.deposited > signed ? s.deposited - signed : 0n, unlockAt: s.unlockAt, epoch: s.epoch, globalId: s.globalId};
}

/** Add funds to an open channel. */
export async function topUpChannel(options: {client: ChainClient; record: ChannelRecord; sender: WalletSender; amount: bigint}): Promise<void> {
  await channelContract(options.client, options.record).sendTopUp(options.sender, {value: options.amount});
}

/** What closeChannel did. */
export type CloseStep = {action: 'started'; unlockAt: number} | {action: 'waiting'; unlockAt: number} | {action: 'finished'; refund: bigint};

/**
 * Close a channel in two steps: the first call starts the close (the provider
 * may still claim until the unlock time); a call after that time finishes it and
 * refunds the rest to the consumer's wallet.
 */
export async function closeChannel(options: {client: ChainClient; record: ChannelRecord; sender: WalletSender; now?: number}): Promise<CloseStep> {
  const {client, record, sender} = options;
  const view = await viewChannel(client, record);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const contract = channelContract(client, record);
  if (view.state === 'open') {
    await contract.sendStartClose(sender, {value: 50_000_000n});
    return {action: 'started', unlockAt: (await viewChannel(client, record)).unlockAt};
  }
  if (view.state === 'closing') {
    if (now < view.unlockAt) return {action: 'waiting', unlockAt: view.unlockAt};
    await contract.sendFinishClose(sender, {value: 50_000_000n});
    // The refund is the channel's outgoing message to the consumer in the traced transaction.
    const out = [...(sender.last?.destination?.transaction.outMessages.values() ?? [])];
    const refund = out.reduce((sum, m) => sum + (m.info.type === 'internal' && m.info.dest.equals(sender.address) ? m.info.value.coins : 0n), 0n);
    return {action: 'finished', refund};
  }
  throw new CocoonError('INVALID_INPUT', `The channel is ${view.state}; there is nothing to close.`);
}
