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
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';

/** A GET through some other transport (the consumer's libp2p one fits): the response's body as it arrives. */
export type StatusTransport = (url: string, init: {method: 'GET'; signal?: AbortSignal}) => Promise<{body: AsyncIterable<Uint8Array> | null}>;

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
  /** `via`: how the figures were read (a libp2p node behind NAT is reached through its relays). */
  node: {running: boolean; endpoint?: string; via?: 'http' | 'libp2p'; load?: {active: number; queued: number; parallel: number}; queries?: number; promptTokens?: number; completionTokens?: number; refusedForWaivers?: number};
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

/** GET `path` of the node: through `transport` (libp2p) or fetch; the body as text. */
async function get(endpoint: string, path: string, transport: StatusTransport | undefined, timeoutMs: number): Promise<string> {
  const url = new URL(path, endpoint).toString();
  const signal = AbortSignal.timeout(timeoutMs);
  if (!transport) return (await fetch(url, {signal})).text();
  const res = await transport(url, {method: 'GET', signal});
  const parts: Uint8Array[] = [];
  for await (const part of res.body ?? []) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

/** Live figures of the node at `endpoint`; its info must be signed by the registered node key. */
async function nodeStatus(endpoint: string | undefined, nodeKey: Uint8Array | undefined, transport?: StatusTransport): Promise<ProviderStatusReport['node']> {
  if (!endpoint || !nodeKey) return {running: false, endpoint};
  // A libp2p dial through a relay (handshakes, circuit) takes longer than a loopback HTTP request.
  const timeoutMs = transport ? 8000 : 2000;
  try {
    const [info, metrics] = await Promise.all([
      get(endpoint, '/v1/info', transport, timeoutMs).then((text) => verifyInfo(JSON.parse(text), nodeKey)),
      get(endpoint, '/metrics', transport, timeoutMs).then(parseMetrics),
    ]);
    return {
      running: true,
      endpoint,
      via: transport ? 'libp2p' : 'http',
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
  /**
   * How to reach a node whose record is `libp2p://` (it may bind no HTTP port): the consumer's libp2p
   * transport for the record, through its relays. Tried when `endpoint` does not answer. Default: none.
   */
  p2pTransport?: (record: ProviderRecord) => StatusTransport | undefined;
}

/**
 * Registration, live node figures, and earnings per channel: claimed is what
 * each channel has paid on chain, earned is the newest voucher held for it.
 */
export async function providerStatus(options: ProviderStatusOptions): Promise<ProviderStatusReport> {
  const {client, network} = options;
  const [record, balance] = await Promise.all([getRegistration(client, options.registry, options.nodeKey ?? options.wallet), client.balance(options.wallet)]);
  let node = await nodeStatus(options.endpoint, record?.nodeKey);
  const viaP2p = !node.running && record ? options.p2pTransport?.(record) : undefined;
  if (record && viaP2p) node = await nodeStatus(record.endpoint, record.nodeKey, viaP2p);
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
