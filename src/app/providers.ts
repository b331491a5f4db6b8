import {servedKind} from '../chain/contracts/registry-extension.js';
import {formatPricePerMillion, formatTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {describeStanding, type AuditStanding} from '../consumer/audit-standing.js';
import {discoverProviders, rankProviders} from '../consumer/discovery.js';
import {withSharedP2pDialer} from '../consumer/p2p-transport.js';
import {auditPolicy, parseFilter, type FilterInput} from './ask.js';
import type {AppContext} from './context.js';
import {noSpin, type Spin} from './wallets.js';

/** One provider as `providers list --json` prints it. */
export interface ProviderRow {
  provider: string;
  /** The node's Ed25519 key, hex: the registry record's key. */
  nodeKey: string;
  /** SHA-256 of the registered GGUF, hex. */
  modelHash: string;
  model: string;
  architecture: string;
  /** What the node serves: chat (chat and completions) or embeddings. */
  kind: 'chat' | 'embeddings';
  /** GRAM per 1M tokens. */
  pricePrompt: string;
  priceCompletion: string;
  stake: string;
  queriesPerDay: number;
  contextSize: number;
  endpoint: string;
  live: boolean;
  latencyMs?: number;
  load?: {active: number; queued: number; parallel: number};
  down?: string;
  /** Where the node stands with independent auditors: unaudited, passed, disputed or flagged (docs/audit.md). */
  audit: AuditStanding;
  /** The standing in words, e.g. `passed 2×, 60 checks`. */
  auditLabel: string;
}

/** What to list. */
export interface ListProvidersRequest {
  filter?: FilterInput;
  /** Ask each provider whether it is up. Default: true. */
  check?: boolean;
  spin?: Spin;
}

/** The registry's providers that match, cheapest first, with liveness unless `check` is false. */
export async function listProviders(app: AppContext, request: ListProvidersRequest = {}): Promise<{providers: ProviderRow[]}> {
  const network = app.network;
  const chain = await app.chainAccess();
  // Every kind of node is listed (each row says its kind).
  const filter = {...parseFilter(request.filter, auditPolicy(app)), kind: 'any' as const};
  // Probing a libp2p provider dials it; the dialer must not keep the process alive afterwards.
  const found = await (request.spin ?? noSpin)('Reading the registry', withSharedP2pDialer(() => discoverProviders({...chain, filter, liveness: request.check ?? true})));
  const providers: ProviderRow[] = rankProviders(found).map(({record, live, down, audit}) => ({
    provider: formatAddress(record.owner, network),
    nodeKey: record.nodeKey.toString('hex'),
    modelHash: record.modelHash.toString('hex'),
    model: record.model,
    architecture: record.architecture,
    kind: servedKind(record.extension) === 'embeddings' ? 'embeddings' : 'chat',
    pricePrompt: formatPricePerMillion(record.promptPrice),
    priceCompletion: formatPricePerMillion(record.completionPrice),
    stake: formatTon(record.stake),
    queriesPerDay: record.queriesPerDay,
    contextSize: record.contextSize,
    endpoint: record.endpoint,
    live: Boolean(live),
    latencyMs: live?.latencyMs,
    load: live && {active: live.info.load.active, queued: live.info.load.queued, parallel: live.info.load.parallel},
    down,
    audit,
    auditLabel: describeStanding(audit),
  }));
  return {providers};
}
