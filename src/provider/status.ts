import {Address} from '@ton/core';
import type {NetworkName} from '../config/settings.js';
import type {ChainClient} from '../chain/client.js';
import {formatTon} from '../chain/units.js';
import {verifyInfo} from '../protocol/info.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {readChannelState} from '../chain/channel-state.js';
import {FileChannelLedger} from './file-ledger.js';
import {getRegistration} from './registration.js';
import {recordView, type RecordView} from './views.js';

/** One channel as the provider sees it. */
export interface ChannelStatus {
  channel: string;
  state: string;
  /** GRAM: newest voucher held (cumulative), paid on chain, and the difference. */
  voucher: string;
  claimed: string;
  unclaimed: string;
  deposit: string;
  unlockAt: string | null;
  /** GRAM charged on the channel (every receipt issued), and answers charged but not yet covered by a voucher. */
  charged: string;
  unpaidAnswers: number;
  /** Charges this channel's consumer declined as never received (free answers). */
  waived: number;
}

/** What `provide status` reports about one node. */
export interface ProviderStatusReport {
  /** The node's name on this machine, when it was asked about by name. */
  name?: string;
  network: NetworkName;
  wallet: {address: string; balance: string};
  registration: RecordView | null;
  node: {running: boolean; endpoint?: string; load?: {active: number; queued: number; parallel: number}; queries?: number; promptTokens?: number; completionTokens?: number; refusedForWaivers?: number};
  earnings: {earned: string; claimed: string; unclaimed: string; earnedNano: string; claimedNano: string};
  channels: ChannelStatus[];
  /** Charges written off across every channel (the ledger's waived counts). */
  waived: number;
  /** The node's standing with independent auditors (filled in by the app from the audit board), and in words. */
  audit?: {standing: string; auditors: number; failing: number; challenges: number; failures: number; label: string};
}

/** Parse Prometheus text into name{labels} → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)\s+(\S+)$/.exec(line.trim());
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

function sumMetric(metrics: Map<string, number>, name: string, labelFilter = ''): number {
  let sum = 0;
  for (const [key, value] of metrics) if ((key === name || key.startsWith(`${name}{`)) && key.includes(labelFilter)) sum += value;
  return sum;
}

/** Live figures of the node at `endpoint`; its info must be signed by the registered node key. */
async function nodeStatus(endpoint: string | undefined, nodeKey: Uint8Array | undefined): Promise<ProviderStatusReport['node']> {
  if (!endpoint || !nodeKey) return {running: false, endpoint};
  try {
    const [info, metrics] = await Promise.all([
      fetch(new URL('/v1/info', endpoint), {signal: AbortSignal.timeout(2000)}).then(async (r) => verifyInfo(await r.json(), nodeKey)),
      fetch(new URL('/metrics', endpoint), {signal: AbortSignal.timeout(2000)}).then(async (r) => parseMetrics(await r.text())),
    ]);
    return {
      running: true,
      endpoint,
      load: {active: info.load.active, queued: info.load.queued, parallel: info.load.parallel},
      queries: sumMetric(metrics, 'cocoon_queries_completed_total'),
      promptTokens: sumMetric(metrics, 'cocoon_tokens_total', 'prompt'),
      completionTokens: sumMetric(metrics, 'cocoon_tokens_total', 'completion'),
      refusedForWaivers: sumMetric(metrics, 'cocoon_rejections_total', 'code="TOO_MANY_WAIVERS"'),
    };
  } catch {
    return {running: false, endpoint};
  }
}

/** Options of providerStatus. */
export interface ProviderStatusOptions {
  client: ChainClient;
  registry: Address;
  network: NetworkName;
  wallet: Address;
  /** The node's public Ed25519 key: its record is looked up by it. Default: the wallet's first record. */
  nodeKey?: Uint8Array;
  /** The node's name, copied into the report. */
  name?: string;
  ledgerDir: string;
  /** Where the local node listens, if one is configured. */
  endpoint?: string;
}

/**
 * Registration, live node figures, and earnings per channel: claimed is what
 * each channel has paid on chain, earned is the newest voucher held for it.
 */
export async function providerStatus(options: ProviderStatusOptions): Promise<ProviderStatusReport> {
  const {client, network} = options;
  const [record, balance] = await Promise.all([getRegistration(client, options.registry, options.nodeKey ?? options.wallet), client.balance(options.wallet)]);
  const node = await nodeStatus(options.endpoint, record?.nodeKey);
  const ledger = new FileChannelLedger(options.ledgerDir);
  const channels: ChannelStatus[] = [];
  let earned = 0n;
  let claimed = 0n;
  let waived = 0;
  for (const raw of ledger.channels()) {
    const account = await ledger.get(raw);
    const state = await readChannelState(client, Address.parseRaw(raw));
    const voucher = account?.voucher?.amount ?? 0n;
    const paid = state?.paid ?? 0n;
    earned += voucher > paid ? voucher : paid;
    claimed += paid;
    waived += account?.waived ?? 0;
    channels.push({
      channel: formatAddress(Address.parseRaw(raw), network, {bounceable: true}),
      state: state?.state ?? 'gone',
      voucher: formatTon(voucher),
      claimed: formatTon(paid),
      unclaimed: formatTon(voucher > paid ? voucher - paid : 0n),
      deposit: formatTon(state?.deposited ?? 0n),
      unlockAt: state?.unlockAt ? new Date(state.unlockAt * 1000).toISOString() : null,
      charged: formatTon(account?.owed ?? 0n),
      unpaidAnswers: (account?.outstanding ?? []).length,
      waived: account?.waived ?? 0,
    });
  }
  return {
    ...(options.name === undefined ? {} : {name: options.name}),
    network,
    wallet: {address: formatAddress(options.wallet, network), balance: formatTon(balance)},
    registration: record && recordView(record, network),
    node,
    earnings: {earned: formatTon(earned), claimed: formatTon(claimed), unclaimed: formatTon(earned - claimed), earnedNano: earned.toString(), claimedNano: claimed.toString()},
    channels,
    waived,
  };
}
