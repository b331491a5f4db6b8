import {servedKind} from '../chain/contracts/registry-extension.js';
import fs from 'node:fs';
import path from 'node:path';
import {Cell, type Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import {auditBoardOf} from '../chain/contracts/audit-board.js';
import {readBoardData, type BoardSnapshot} from '../chain/contracts/audit-board-codec.js';
import {indexFromData, shardsToRead, type ShardRef} from '../chain/contracts/registry-index.js';
import {readRegistryData} from '../chain/contracts/registry-reader.js';
import type {ChainClient} from '../chain/client.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {isEvictable} from '../chain/contracts/registry-rent.js';
import {dataPath} from '../config/paths.js';
import {writeFileAtomic} from '../config/files.js';
import {FileMemo} from '../config/file-memo.js';
import {verifyInfo} from '../protocol/info.js';
import type {ProviderInfo} from '../protocol/wire.js';
import {auditStanding, standingRank, type AuditStanding} from './audit-standing.js';
import {sharedP2pDialer, transportForRecord} from './p2p-transport.js';

/** What to look for. */
export interface ProviderFilter {
  /** Architecture, e.g. llama (case-insensitive). */
  architecture?: string;
  /** Model name (case-insensitive, exact). */
  model?: string;
  /** Highest completion price, nanoGRAM per token. */
  maxCompletionPrice?: bigint;
  /** Highest prompt price, nanoGRAM per token. */
  maxPromptPrice?: bigint;
  /** Only this provider (its wallet address). */
  provider?: Address;
  /** Keep nodes that independent auditors flagged (docs/audit.md). Default: false. */
  includeFlagged?: boolean;
  /** Only nodes that passed an independent audit. Default: false (a new network has no auditors). */
  requireAudited?: boolean;
  /** Distinct failing auditors that flag a node. Default: 2. */
  auditQuorum?: number;
  /** What the node serves (its record's kind): chat/completions or embeddings. Default: 'chat'; 'any' keeps both (listings). */
  kind?: 'chat' | 'embeddings' | 'any';
}

/** A provider as discovery sees it. */
export interface DiscoveredProvider {
  record: ProviderRecord;
  /** Present when liveness was checked and the node answered with info signed by its registered key. */
  live?: {info: ProviderInfo; latencyMs: number};
  /** Why the liveness check failed, when it did. */
  down?: string;
  /** Where the node stands with the auditors of the registry's audit board. */
  audit: AuditStanding;
}

/** Options of discoverProviders. */
export interface DiscoveryOptions {
  client: ChainClient;
  registry: Address;
  filter?: ProviderFilter;
  /** Ask each provider's /v1/info (concurrently). Default: true. */
  liveness?: boolean;
  /** Per-provider liveness timeout, ms. Default: 1500. */
  timeoutMs?: number;
  /** Reuse a registry read younger than this, ms (0: always read). Default: 15 s. */
  cacheMs?: number;
  /**
   * Reuse a provider's signed /v1/info younger than this, ms, kept beside the
   * registry cache (0: always ask). A warm ask takes the cached one and learns
   * a node is down from its query, failing over. Default: 0.
   */
  liveCacheMs?: number;
  /** Cache file of the configured shard (the other shards' and the index's lie beside it). Default: `<data>/cache/registry-<address>.json`. */
  cacheFile?: string;
  fetch?: typeof fetch;
}

/**
 * True when a registry record fits `filter`, is active, has not let its rent
 * run out past the grace period (anyone may evict it then) and, given its audit
 * standing, is not flagged (unless asked for) or is audited (when required):
 * the one provider filter of discovery and the gateway.
 */
export function matchesFilter(record: ProviderRecord, filter: ProviderFilter, now = Math.floor(Date.now() / 1000), audit?: AuditStanding): boolean {
  if (record.status !== 'active') return false;
  if (audit?.standing === 'flagged' && !filter.includeFlagged) return false;
  if (filter.requireAudited && audit?.standing !== 'passed') return false;
  if (isEvictable(record, now)) return false;
  const kind = servedKind(record.extension);
  if (filter.kind === 'any' ? kind === 'other' : kind !== (filter.kind ?? 'chat')) return false;
  if (filter.architecture && record.architecture.toLowerCase() !== filter.architecture.toLowerCase()) return false;
  if (filter.model && record.model.toLowerCase() !== filter.model.toLowerCase()) return false;
  if (filter.maxCompletionPrice !== undefined && record.completionPrice > filter.maxCompletionPrice) return false;
  if (filter.maxPromptPrice !== undefined && record.promptPrice > filter.maxPromptPrice) return false;
  if (filter.provider && !record.owner.equals(filter.provider)) return false;
  return true;
}

/** Where the account data of `address` is cached: the default file for the configured registry, its neighbours for the others. */
function cachePath(options: DiscoveryOptions, address: Address): string {
  const name = `registry-${address.toRawString().replace(':', '_')}.json`;
  if (!options.cacheFile) return dataPath('cache', name);
  return address.equals(options.registry) ? options.cacheFile : path.join(path.dirname(options.cacheFile), name);
}

// Cached account data as parsed in this process (a BoC parse per warm ask shows in profiles), and what was read from each cell.
const accounts = new FileMemo<{at: number; data: Cell | null}>((text) => {
  const cached = JSON.parse(text) as {at: number; data: string | null};
  return {at: cached.at, data: cached.data === null ? null : Cell.fromBase64(cached.data)};
});
const registryData = new WeakMap<Cell, ReturnType<typeof readRegistryData>>();
const parsedRegistry = (data: Cell) => {
  let parsed = registryData.get(data);
  if (!parsed) registryData.set(data, (parsed = readRegistryData(data)));
  return parsed;
};

// One account's data cell (a shard, the index or the audit board), cached as a
// BoC per address: parsing it again is cheap and exact. Undefined when the
// account is not active; that is cached too (a board nobody deployed yet must
// not cost a warm ask a chain read).
async function accountData(options: DiscoveryOptions, address: Address): Promise<Cell | undefined> {
  const cacheMs = options.cacheMs ?? 15_000;
  const file = cachePath(options, address);
  if (cacheMs > 0) {
    try {
      const cached = accounts.read(file);
      if (cached && Date.now() - cached.at < cacheMs) return cached.data ?? undefined;
    } catch {
      // no cache, or an unreadable one: read the chain
    }
  }
  const state = await options.client.call((ton) => ton.getContractState(address));
  const data = state.state === 'active' && state.data ? Cell.fromBoc(state.data)[0]! : undefined;
  if (cacheMs > 0) {
    fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
    writeFileAtomic(file, JSON.stringify({at: Date.now(), data: data ? data.toBoc().toString('base64') : null}));
  }
  return data;
}

/** Forget the cached data of one account (a shard, the index or the audit board) this process just changed: the next discovery reads it. */
export function forgetCachedAccount(options: Pick<DiscoveryOptions, 'registry' | 'cacheFile'>, address: Address): void {
  fs.rmSync(cachePath(options as DiscoveryOptions, address), {force: true});
}

/** Which accounts a discovery read, for tests and benches. */
export interface RegistryRead {
  /** Every record found, the configured shard's first, one per node key. */
  records: ProviderRecord[];
  /** The shards read, the configured one first. */
  shards: Address[];
  /** The index, when it was read. */
  index?: Address;
  /** The registry's audit board, when it is deployed. */
  board?: BoardSnapshot;
  /** Where the registry's audit board lives (derived from its index), deployed or not. */
  boardAddress?: Address;
}

const boardData = new WeakMap<Cell, BoardSnapshot>();

// The audit board of the index (derived from its genesis), read like a shard; undefined until someone deploys it.
async function readBoard(options: Parameters<typeof readRegistry>[0], view: ReturnType<typeof indexFromData>): Promise<BoardSnapshot | undefined> {
  const data = await accountData(options, auditBoardOf(view.index.address, view.index.genesis!).address);
  if (!data) return undefined;
  let parsed = boardData.get(data);
  if (!parsed) boardData.set(data, (parsed = readBoardData(data)));
  return parsed;
}

/**
 * The records a discovery needs. The configured registry (the general shard)
 * is always read; its data names the index. With a model, the index gives that
 * model's shard count and the shard addresses are derived here from the
 * index's genesis (no read per address); without one, every shard the index
 * lists is read. Shard reads run concurrently; the chain client paces them.
 */
export async function readRegistry(options: Pick<DiscoveryOptions, 'client' | 'registry' | 'cacheMs' | 'cacheFile'> & {model?: string}): Promise<RegistryRead> {
  const generalData = await accountData(options, options.registry);
  if (!generalData) {
    throw new CocoonError('NOT_FOUND', `No registry is deployed at ${options.registry.toString()}.`, {hint: 'Check the network and the registry address.'});
  }
  const general = parsedRegistry(generalData);
  const seen = new Set<string>();
  const records: ProviderRecord[] = [];
  const add = (list: ProviderRecord[]) => {
    for (const r of list) {
      const key = r.nodeKey.toString('hex');
      if (seen.has(key)) continue;
      seen.add(key);
      records.push(r);
    }
  };
  add(general.providers);
  const indexData = await accountData(options, general.directory);
  // No index (a registry deployed without one): the configured shard is all there is.
  if (!indexData) return {records, shards: [options.registry]};
  let refs: ShardRef[];
  let view: ReturnType<typeof indexFromData>;
  try {
    view = indexFromData(general.directory, indexData);
    refs = shardsToRead(view, options.model).filter((r) => !r.address.equals(options.registry));
  } catch (err) {
    throw new CocoonError('CORRUPT_DATA', `The registry index ${general.directory.toString()} does not have the expected layout.`, {cause: err, hint: 'Check that the registry is a Cocoon registry for this CLI version.'});
  }
  const [shards, board] = await Promise.all([Promise.all(refs.map(async (ref) => ({ref, data: await accountData(options, ref.address)}))), readBoard(options, view)]);
  for (const {data} of shards) if (data) add(parsedRegistry(data).providers);
  const boardAddress = auditBoardOf(view.index.address, view.index.genesis!).address;
  return {records, shards: [options.registry, ...refs.map((r) => r.address)], index: general.directory, boardAddress, ...(board ? {board} : {})};
}

/** Least time a liveness probe of a libp2p node gets: a cold relayed dial is ~0.3–0.5 s on a quiet machine, seconds on a loaded one. */
const P2P_PROBE_MS = 5000;

/** Check one provider's live, signed info. */
async function probe(record: ProviderRecord, timeoutMs: number, doFetch: typeof fetch, cache?: {file: string; maxAgeMs: number}): Promise<Pick<DiscoveredProvider, 'live' | 'down'>> {
  if (cache) {
    try {
      const saved = JSON.parse(fs.readFileSync(cache.file, 'utf8')) as {at: number; endpoint: string; body: unknown; latencyMs: number};
      if (Date.now() - saved.at < cache.maxAgeMs && saved.endpoint === record.endpoint) {
        const live = checkInfo(record, saved.body);
        if (typeof live !== 'string') return {live: {info: live, latencyMs: saved.latencyMs}};
      }
    } catch {
      // none cached, or unreadable: ask the node
    }
  }
  const viaP2p = transportForRecord(record);
  // The first libp2p record of a process loads js-libp2p (~1 s here): not the provider's latency.
  if (viaP2p) await sharedP2pDialer().ready().catch(() => undefined);
  const started = performance.now();
  try {
    const url = new URL('/v1/info', record.endpoint).toString();
    // A node behind NAT is first reached by a cold dial through its relay (relay dial, two handshakes, the circuit, a stream): give it longer.
    const res = await (viaP2p ? viaP2p(url, {method: 'GET', signal: AbortSignal.timeout(Math.max(timeoutMs, P2P_PROBE_MS))}) : doFetch(url, {signal: AbortSignal.timeout(timeoutMs)}));
    if (!res.ok) return {down: `HTTP ${res.status}`};
    const body = await res.json();
    const info = checkInfo(record, body);
    if (typeof info === 'string') return {down: info};
    const latencyMs = Math.round(performance.now() - started);
    if (cache) {
      fs.mkdirSync(path.dirname(cache.file), {recursive: true, mode: 0o700});
      writeFileAtomic(cache.file, JSON.stringify({at: Date.now(), endpoint: record.endpoint, body, latencyMs}));
    }
    return {live: {info, latencyMs}};
  } catch (error) {
    return {down: (error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message};
  }
}

// Signed infos already verified, by node key and signature: a warm ask re-reads its node's cached info every time.
const verifiedInfos = new Map<string, ProviderInfo>();

function verifiedInfo(body: unknown, nodeKey: Buffer): ProviderInfo {
  const {signature, info: signed} = (body ?? {}) as {signature?: unknown; info?: unknown};
  const id = typeof signature === 'string' && typeof signed === 'string' ? `${nodeKey.toString('hex')}:${signature}:${signed}` : undefined;
  const known = id === undefined ? undefined : verifiedInfos.get(id);
  if (known) return known;
  const info = verifyInfo(body, nodeKey);
  if (id !== undefined) {
    if (verifiedInfos.size >= 1024) verifiedInfos.delete(verifiedInfos.keys().next().value!);
    verifiedInfos.set(id, info);
  }
  return info;
}

/** The node's info if it is signed by the registered key and fits the record, else why not. */
function checkInfo(record: ProviderRecord, body: unknown): ProviderInfo | string {
  const info = verifiedInfo(body, record.nodeKey);
  if (info.keys.x25519 !== record.encryptionKey.toString('hex')) return 'serves a different encryption key than registered';
  if (!info.models.some((m) => m.name === record.model)) return `does not serve ${record.model}`;
  return info;
}

/**
 * A node just answered a query: its cached info counts as fresh from now, so a
 * steady user never waits for a probe (the info's keys and model are what the
 * query proved; its load figures age, and only rank providers).
 */
export function refreshLiveness(options: Pick<DiscoveryOptions, 'registry' | 'cacheFile'>, record: ProviderRecord): void {
  const file = liveCachePath(options, record);
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {at: number; endpoint: string};
    if (saved.endpoint !== record.endpoint) return;
    fs.writeFileSync(file, JSON.stringify({...saved, at: Date.now()}), {mode: 0o600});
  } catch {
    // nothing cached for it: the next discovery probes it
  }
}

/** Forget a node's cached info (its query failed: the next discovery asks it again). */
export function forgetLiveness(options: Pick<DiscoveryOptions, 'registry' | 'cacheFile'>, record: ProviderRecord): void {
  fs.rmSync(liveCachePath(options, record), {force: true});
}

function liveCachePath(options: Pick<DiscoveryOptions, 'registry' | 'cacheFile'>, record: ProviderRecord): string {
  const name = `live-${record.nodeKey.toString('hex').slice(0, 32)}.json`;
  return options.cacheFile ? path.join(path.dirname(options.cacheFile), name) : dataPath('cache', name);
}

/**
 * Providers from the registry's shards (readRegistry: with a model filter the
 * general shard, the index and that model's shards; without one every shard;
 * each read cached briefly), filtered, with liveness from each one's signed
 * /v1/info checked concurrently.
 */
export async function discoverProviders(options: DiscoveryOptions): Promise<DiscoveredProvider[]> {
  const {records: all, board} = await readRegistry({...options, model: options.filter?.model});
  const filter = options.filter ?? {};
  const now = Math.floor(Date.now() / 1000);
  const found = all
    .map((record) => ({record, audit: auditStanding(record, board, {now, ...(filter.auditQuorum ? {quorum: filter.auditQuorum} : {})})}))
    .filter(({record, audit}) => matchesFilter(record, filter, now, audit));
  if (options.liveness === false) return found;
  const doFetch = options.fetch ?? globalThis.fetch;
  const liveCacheMs = options.liveCacheMs ?? 0;
  return Promise.all(
    found.map(async ({record, audit}) => ({
      record,
      audit,
      ...(await probe(record, options.timeoutMs ?? 1500, doFetch, liveCacheMs > 0 ? {file: liveCachePath(options, record), maxAgeMs: liveCacheMs} : undefined)),
    })),
  );
}

/** Cost of a typical answer (256 prompt + 256 completion tokens), for ranking. */
export function typicalCost(record: ProviderRecord): bigint {
  return 256n * record.promptPrice + 256n * record.completionPrice;
}

/**
 * Order providers for a query: live ones first; then by audit standing (passed,
 * unaudited, disputed); then cheapest typical answer; then lowest load,
 * latency, and the largest stake (more to lose).
 */
export function rankProviders(providers: DiscoveredProvider[]): DiscoveredProvider[] {
  const load = (p: DiscoveredProvider) => (p.live ? (p.live.info.load.active + p.live.info.load.queued) / Math.max(1, p.live.info.load.parallel) : Infinity);
  return [...providers].sort((a, b) => {
    if (Boolean(a.live) !== Boolean(b.live)) return a.live ? -1 : 1;
    const standing = standingRank(a.audit.standing) - standingRank(b.audit.standing);
    if (standing !== 0) return standing;
    const cost = typicalCost(a.record) - typicalCost(b.record);
    if (cost !== 0n) return cost < 0n ? -1 : 1;
    const l = load(a) - load(b);
    if (l !== 0) return l;
    const lat = (a.live?.latencyMs ?? Infinity) - (b.live?.latencyMs ?? Infinity);
    if (lat !== 0) return lat;
    return a.record.stake > b.record.stake ? -1 : a.record.stake < b.record.stake ? 1 : 0;
  });
}
