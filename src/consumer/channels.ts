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
  /** The provider node (Ed25519 key, hex) the channel pays; each node of a wallet gets its own channel. Default: bound by its first use. */
  node?: string;
  /** nanoGRAM to deposit. */
  deposit: bigint;
  /** Seconds the provider keeps to claim after a close starts. Default: 3600. */
  closeDelay?: number;
}

type PendingOp = NonNullable<ChannelRecord['pending']>['op'];

/**
 * Run a wallet operation on a channel with the operation recorded in the
 * store before anything is sent, cleared once the chain shows it. A run that
 * dies in between leaves the record for the next run to settle.
 */
async function recorded<T>(store: ChannelStore | undefined, record: ChannelRecord, op: PendingOp, amount: bigint, send: () => Promise<T>): Promise<T> {
  // Only the pending mark changes: vouchers signed meanwhile (paid) are kept.
  const mark = async (pending: ChannelRecord['pending']) => store?.put({...(store.find(record.provider, record.node) ?? record), pending});
  await mark({op, amount: amount.toString(), at: new Date().toISOString()});
  const result = await send();
  await mark(undefined);
  return result;
}

function unknownHint(error: unknown, what: string): never {
  if ((error as CocoonError).details?.outcome === 'unknown') {
    const e = error as CocoonError;
    throw new CocoonError(e.code, `${what}: ${e.message}`, {
      hint: 'Run the same command again once the chain answers: it reads the channel on chain first and never pays twice.',
      details: e.details,
      cause: error,
    });
  }
  throw error;
}

/**
 * Open (deploy and fund) a channel to a provider, keeping its voucher key
 * locally first. An open an earlier run left pending is settled from the
 * chain: landed, the channel is used as it is; never landed, it is sent again
 * with the same key (the same channel address).
 */
export async function openChannel(options: OpenChannelOptions): Promise<ChannelRecord> {
  const {store, client} = options;
  const existing = store.find(options.provider.toRawString(), options.node);
  if (existing && existing.pending?.op !== 'open') {
    throw new CocoonError('ALREADY_EXISTS', options.node ? 'There is already a channel to this provider node.' : 'There is already a channel to this provider.', {hint: 'Add funds with `cocoon channel topup`.'});
  }
  if (existing && (await readChannelState(client, Address.parseRaw(existing.channel)))) {
    // The earlier run's open landed; only its confirmation was lost.
    const settled = {...existing, pending: undefined};
    await store.put(settled);
    return settled;
  }
  const record: ChannelRecord = existing ?? {
    version: 1,
    network: store.network,
    channel: '',
    provider: options.provider.toRawString(),
    consumer: options.sender.address.toRawString(),
    wallet: options.walletName,
    voucherKey: ChannelStore.newVoucherKey().toString('hex'),
    ...(options.node ? {node: options.node} : {}),
    closeDelay: options.closeDelay ?? DEFAULT_CLOSE_DELAY,
    paid: '0',
    createdAt: new Date().toISOString(),
  };
  const contract = channelContract(client, record);
  record.channel = contract.address.toRawString();
  // The key is saved before any money moves: a crash after the deposit still leaves a usable channel.
  try {
    await recorded(store, record, 'open', options.deposit, () => contract.sendOpen(options.sender, {value: options.deposit}));
  } catch (error) {
    // Refused before anything left (too little in the wallet): a key made just now can be forgotten.
    if (!existing && (error as CocoonError).code === 'INSUFFICIENT_FUNDS') store.remove(record);
    unknownHint(error, 'Opening the channel');
  }
  const opened = {...record, pending: undefined};
  await store.put(opened);
  return opened;
}

/** A stored channel joined with its on-chain state. */
export interface ChannelView {
  record: ChannelRecord;
  state: ChannelState['state'] | 'not deployed';
  /** nanoGRAM deposited in total, paid out on chain, signed locally, and left to spend. */
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
  // What this machine signed counts only in the life it was signed in: a re-opened channel starts again from 0.
  const signed = s && s.epoch > (record.epoch ?? 1) ? 0n : BigInt(record.paid);
  if (!s) return {record, state: 'not deployed', deposited: 0n, claimed: 0n, signed, remaining: 0n, unlockAt: 0, epoch: 0, globalId: MAINNET_GLOBAL_ID};
  return {record, state: s.state, deposited: s.deposited, claimed: s.paid, signed, remaining: s.deposited > signed ? s.deposited - signed : 0n, unlockAt: s.unlockAt, epoch: s.epoch, globalId: s.globalId};
}

/**
 * Add funds to an open channel, recorded in the channel's store (`store`, else
 * the one the record was read from) before it is sent. The same top-up retried
 * after an unknown outcome is settled by the wallet's seqno, never paid twice.
 */
export async function topUpChannel(options: {client: ChainClient; record: ChannelRecord; sender: WalletSender; amount: bigint; store?: ChannelStore}): Promise<void> {
  const store = options.store ?? ChannelStore.of(options.record);
  await recorded(store, options.record, 'topup', options.amount, () => channelContract(options.client, options.record).sendTopUp(options.sender, {value: options.amount})).catch((error: unknown) =>
    unknownHint(error, 'Topping up the channel'),
  );
}

/** What closeChannel did (`forgotten`: its open never landed, so there was nothing on chain to close). */
export type CloseStep = {action: 'started'; unlockAt: number} | {action: 'waiting'; unlockAt: number} | {action: 'finished'; refund: bigint} | {action: 'forgotten'};

/**
 * Close a channel in two steps: the first call starts the close (the provider
 * may still claim until the unlock time); a call after that time finishes it and
 * refunds the rest to the consumer's wallet.
 */
export async function closeChannel(options: {client: ChainClient; record: ChannelRecord; sender: WalletSender; now?: number; store?: ChannelStore}): Promise<CloseStep> {
  const {client, record, sender} = options;
  const store = options.store ?? ChannelStore.of(record);
  const view = await viewChannel(client, record);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const contract = channelContract(client, record);
  if (view.state === 'not deployed' && record.pending?.op === 'open') {
    const flight = sender.inFlight();
    if (flight && flight.to === record.channel) {
      throw new CocoonError('CHAIN_UNAVAILABLE', `The channel's open was sent and may still land (valid until ${new Date(flight.validUntil * 1000).toISOString()}): outcome unknown.`, {
        hint: 'Run `cocoon channel open` (or ask) again to settle it, or run this again after that time.',
        details: {outcome: 'unknown', seqno: flight.seqno, messageHash: flight.messageHash},
      });
    }
    // Its open never landed: no money is in it, and the key can move nothing.
    store?.remove(record);
    return {action: 'forgotten'};
  }
  if (view.state === 'open') {
    await recorded(store, record, 'start-close', 50_000_000n, () => contract.sendStartClose(sender, {value: 50_000_000n})).catch((error: unknown) => unknownHint(error, 'Starting the close'));
    return {action: 'started', unlockAt: (await viewChannel(client, record)).unlockAt};
  }
  if (view.state === 'closing') {
    if (now < view.unlockAt) return {action: 'waiting', unlockAt: view.unlockAt};
    await recorded(store, record, 'finish-close', 50_000_000n, () => contract.sendFinishClose(sender, {value: 50_000_000n})).catch((error: unknown) => unknownHint(error, 'Finishing the close'));
    // The refund is the channel's outgoing message to the consumer in the traced transaction.
    const out = [...(sender.last?.destination?.transaction.outMessages.values() ?? [])];
    const refund = out.reduce((sum, m) => sum + (m.info.type === 'internal' && m.info.dest.equals(sender.address) ? m.info.value.coins : 0n), 0n);
    return {action: 'finished', refund};
  }
  throw new CocoonError('INVALID_INPUT', `The channel is ${view.state}; there is nothing to close.`);
}
