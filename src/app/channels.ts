import {formatTon, parseAddress, parseTon} from '../chain/units.js';
import type {ChannelRecord} from '../consumer/channel-store.js';
import {summarizeChannel, type ChannelSummary} from '../consumer/channel-view.js';
import {closeChannel, openChannel, topUpChannel, viewChannel} from '../consumer/channels.js';
import {CocoonError} from '../errors.js';
import type {AppContext} from './context.js';
import {noSpin, type Spin} from './wallets.js';

export type {ChannelSummary} from '../consumer/channel-view.js';

/** A channel to open, as the user types it. */
export interface OpenRequest {
  /** The provider's wallet address. */
  provider: string;
  /** GRAM. Default: setting channel.deposit. */
  deposit?: string;
  /** Seconds. Default: setting channel.closeDelay. */
  closeDelay?: number;
  spin?: Spin;
}

/** Money into or out of a stored channel, named by its provider's or its own address. */
export interface ChannelRequest {
  channel: string;
  /** Pays (or is refunded) through this wallet. Default: the wallet that opened the channel. */
  wallet?: string;
  spin?: Spin;
}

/** What `channel close --json` prints. */
export interface CloseView {
  action: string;
  unlockAt?: string;
  /** GRAM. */
  refund?: string;
}

/** A stored channel named by its provider's or its own address. */
export function findChannel(app: AppContext, text: string): ChannelRecord {
  const raw = parseAddress(text).toRawString();
  const all = app.channels.list();
  const exact = all.find((r) => r.channel === raw);
  if (exact) return exact;
  const toProvider = all.filter((r) => r.provider === raw);
  if (toProvider.length === 0) {
    throw new CocoonError('NOT_FOUND', `No channel of yours to or at ${text}.`, {hint: 'See `cocoon channel list`, or open one with `cocoon channel open PROVIDER`.'});
  }
  if (toProvider.length > 1) {
    // A wallet running several nodes has a channel per node.
    throw new CocoonError('INVALID_INPUT', `You have ${toProvider.length} channels to ${text}, one per node of that provider.`, {
      hint: 'Name the channel by its own address (see `cocoon channel list`).',
    });
  }
  return toProvider[0]!;
}

async function summary(app: AppContext, record: ChannelRecord): Promise<ChannelSummary> {
  return summarizeChannel(await viewChannel(await app.chain(), record), app.network);
}

/** Every stored channel with its on-chain state (the chain is asked only when there are some). */
export async function listChannels(app: AppContext): Promise<{channels: ChannelSummary[]}> {
  const channels: ChannelSummary[] = [];
  for (const record of app.channels.list()) channels.push(await summary(app, record));
  return {channels};
}

/** One stored channel with its on-chain state. */
export async function channelStatus(app: AppContext, request: {channel: string}): Promise<ChannelSummary> {
  return summary(app, findChannel(app, request.channel));
}

/** Open (deploy and fund) a channel to a provider from the context's wallet. */
export async function openChannelTo(app: AppContext, request: OpenRequest): Promise<ChannelSummary> {
  const provider = parseAddress(request.provider);
  const deposit = parseTon(request.deposit ?? app.settings.get('channel.deposit'));
  const {name, sender} = await app.sender();
  const client = await app.chain();
  const closeDelay = request.closeDelay ?? app.settings.get('channel.closeDelay');
  const record = await (request.spin ?? noSpin)('Opening the channel', openChannel({client, store: app.channels, sender, walletName: name, provider, deposit, closeDelay}));
  return summary(app, record);
}

/** Add GRAM to a stored channel. */
export async function topUp(app: AppContext, request: ChannelRequest & {amount: string}): Promise<ChannelSummary> {
  const record = findChannel(app, request.channel);
  const amount = parseTon(request.amount);
  const {sender} = await app.sender(request.wallet ?? record.wallet);
  await (request.spin ?? noSpin)('Topping up', topUpChannel({client: await app.chain(), record, sender, amount, store: app.channels}));
  return summary(app, record);
}

/**
 * The next step of closing a stored channel: start the close, wait for the
 * unlock time, or finish it and refund the rest (`wallet`: the channel's).
 */
export async function closeStep(app: AppContext, request: ChannelRequest): Promise<{view: CloseView; wallet: string}> {
  const record = findChannel(app, request.channel);
  const {sender} = await app.sender(request.wallet ?? record.wallet);
  const step = await (request.spin ?? noSpin)('Closing', closeChannel({client: await app.chain(), record, sender, store: app.channels}));
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const view: CloseView =
    step.action === 'finished' ? {action: step.action, refund: formatTon(step.refund)} : step.action === 'forgotten' ? {action: step.action} : {action: step.action, unlockAt: iso(step.unlockAt)};
  return {view, wallet: record.wallet};
}
