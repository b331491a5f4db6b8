import type {Address} from '@ton/core';
import {Registry} from '../chain/contracts/registry.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {formatTon, parseTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {CocoonError} from '../errors.js';
import {createEmbedder} from '../inference/embedder.js';
import {createEngine} from '../inference/engine.js';
import {modelSha256} from '../inference/hash.js';
import {FileChannelLedger} from '../provider/file-ledger.js';
import {checkNodeName, DEFAULT_NODE} from '../config/paths.js';
import {configuredNodes, ledgerDir, readProviderConfig, writeProviderConfig, type ProviderConfig} from '../provider/local-config.js';
import {startProviderNode, type NodeEvent, type ProviderNode} from '../provider/node.js';
import type {P2pEndpoint, P2pEndpointEvent} from '../provider/p2p-endpoint.js';
import {probeEndpoint} from '../provider/probe.js';
import {buildProfile, getRegistration, registerProvider, unregisterProvider, updateProvider, withdrawStake, type OfferInput} from '../provider/registration.js';
import {Settler, type ClaimReport} from '../provider/settlement.js';
import {providerStatus, type ProviderStatusReport} from '../provider/status.js';
import {auditStanding, describeStanding} from '../consumer/audit-standing.js';
import {readRegistry} from '../consumer/discovery.js';
import {transportForRecord, withSharedP2pDialer} from '../consumer/p2p-transport.js';
import {resolveRelays} from './relay.js';
import {renewRent} from '../provider/rent.js';
import {recordView, type RecordView} from '../provider/views.js';
import type {NetworkName} from '../config/settings.js';
import type {AppContext} from './context.js';

/** An offer resolved from flags or the wizard, with where to listen and what to stake. */
export interface ProviderOffer {
  offer: OfferInput;
  modelPath: string;
  stake: bigint;
  host: string;
  port: number;
  /** libp2p relays to publish instead of an HTTP endpoint (`--relay`): the endpoint becomes libp2p://<peer id>. */
  relays?: string[];
}

/** Which of this machine's nodes a call means. */
export interface NodeOption {
  /** The node's name (like a wallet name). Default: `default`, the machine's original node key. */
  node?: string;
}

/** What `provide register` reports. */
export interface RegisterResult {
  /** The node registered. */
  node: string;
  record: RecordView;
  nodeKeyCreated: boolean;
  nodeKeyPath: string;
  endpointReachable: boolean;
  config: string;
  /** Other nodes of this machine configured on the same port (they cannot run at the same time). */
  samePort: string[];
}

/** One channel's claim as `provide claim` and `provide start` show it. */
export interface ClaimView {
  channel: string;
  outcome: string;
  /** GRAM. */
  claimed: string;
  voucher: string;
  error?: string;
}

/** The node a call means, checked: `requested`, else the default node. */
export function nodeName(requested?: string): string {
  return checkNodeName(requested ?? DEFAULT_NODE);
}

/** A node's local config on this network (what `register` chose for it). */
export function localProvider(app: AppContext, node?: string): ProviderConfig | undefined {
  return readProviderConfig(app.network, nodeName(node));
}

/** Every node of this machine on this network: those with a key, and those with a config. Default node first. */
export function machineNodes(app: AppContext): string[] {
  const names = new Set([...app.nodeNames(), ...configuredNodes(app.network)]);
  return [...names].sort((a, b) => (a === DEFAULT_NODE ? -1 : b === DEFAULT_NODE ? 1 : a.localeCompare(b)));
}

/** The wallet the provider commands mean: the flag, else the one the node was registered from on this machine, else the default. */
export function providerWallet(app: AppContext, requested?: string, node?: string): string {
  return app.walletName(requested ?? localProvider(app, node)?.wallet);
}

/** The registry's minimum stake, nanoGRAM. */
export async function registryMinStake(app: AppContext): Promise<bigint> {
  const {client, registry} = await app.chainAccess();
  return (await client.call(() => client.ton.open(Registry.createFromAddress(registry)).getParams())).minStake;
}

function noNodeKey(node: string): CocoonError {
  const flag = node === DEFAULT_NODE ? '' : ` --node ${node}`;
  return new CocoonError('NOT_FOUND', node === DEFAULT_NODE ? 'This machine has no provider node key yet.' : `This machine has no key for node "${node}".`, {
    hint: `Register it first with \`cocoon provide register${flag}\`; \`cocoon provide status\` lists this machine's nodes.`,
  });
}

/** The public key of a node of this machine (from its key file; no password), or NOT_FOUND. */
function nodePublicKey(app: AppContext, node: string): Buffer {
  const key = app.nodePublicKey(node);
  if (!key) throw noNodeKey(node);
  return key;
}

/** A node's current registration (looked up by its node key), or NOT_FOUND. */
export async function currentRegistration(app: AppContext, options: NodeOption = {}): Promise<ProviderRecord> {
  const node = nodeName(options.node);
  const {client, registry} = await app.chainAccess();
  const record = await getRegistration(client, registry, nodePublicKey(app, node));
  if (!record) throw new CocoonError('NOT_FOUND', `Node "${node}" has no registration.`, {hint: `Register it first with \`cocoon provide register${node === DEFAULT_NODE ? '' : ` --node ${node}`}\`.`});
  return record;
}

/** The offer with its libp2p endpoint and relays when `--relay` was given (the peer id comes from the node key). */
async function withRelays(resolved: ProviderOffer, nodeSeed: Uint8Array): Promise<OfferInput> {
  if (!resolved.relays) return resolved.offer;
  const {p2pProfile} = await import('../provider/p2p-offer.js');
  const profile = await p2pProfile({nodeSeed, relays: resolved.relays});
  // The record's other extension fields (its kind) stay.
  return {...resolved.offer, endpoint: profile.endpoint, extension: {...resolved.offer.extension, ...profile.extension}};
}

function saveLocal(app: AppContext, node: string, wallet: string, resolved: ProviderOffer): string {
  return writeProviderConfig({
    version: 1,
    network: app.network,
    ...(node === DEFAULT_NODE ? {} : {node}),
    wallet,
    modelPath: resolved.modelPath,
    host: resolved.host,
    port: resolved.port,
    endpoint: resolved.offer.endpoint,
  });
}

/** Register a node: its key (created on first use), its record on chain, its local config, and whether the endpoint answers yet. */
export async function register(app: AppContext, resolved: ProviderOffer, options: {wallet?: string} & NodeOption = {}): Promise<RegisterResult> {
  const name = nodeName(options.node);
  const wallet = app.walletName(options.wallet);
  const node = await app.nodeKey({create: true, node: name});
  const offer = await withRelays({...resolved, relays: await resolveRelays(app, resolved.relays)}, node.key.ed25519Seed);
  const record = await registerProvider(await app.registryAccess(wallet), {profile: buildProfile(offer, node.key), stake: resolved.stake});
  const config = saveLocal(app, name, wallet, {...resolved, offer});
  // A libp2p node is reachable only once `provide start` has reserved its relays: there is no URL to probe.
  const endpointReachable = resolved.relays ? false : await probeEndpoint(resolved.offer.endpoint);
  const samePort = configuredNodes(app.network).filter((other) => other !== name && localProvider(app, other)?.port === resolved.port);
  return {node: name, record: recordView(record, app.network), nodeKeyCreated: node.created, nodeKeyPath: node.path, endpointReachable, config, samePort};
}

/** Publish a node's changed offer (same stake) and keep its local config in step. */
export async function update(app: AppContext, resolved: ProviderOffer, options: {wallet?: string} & NodeOption = {}): Promise<RecordView> {
  const name = nodeName(options.node);
  const wallet = providerWallet(app, options.wallet, name);
  const node = await app.nodeKey({node: name});
  const offer = await withRelays({...resolved, relays: await resolveRelays(app, resolved.relays)}, node.key.ed25519Seed);
  const record = await updateProvider(await app.registryAccess(wallet), {profile: buildProfile(offer, node.key)});
  saveLocal(app, name, wallet, {...resolved, offer});
  return recordView(record, app.network);
}

/** Start unbonding one node's stake (the wallet's other nodes stay registered). */
export async function unregister(app: AppContext, options: {wallet?: string} & NodeOption = {}): Promise<RecordView> {
  const name = nodeName(options.node);
  const access = await app.registryAccess(providerWallet(app, options.wallet, name));
  return recordView(await unregisterProvider(access, {nodeKey: nodePublicKey(app, name)}), app.network);
}

/** Take one node's unbonded stake back; reports the wallet's new balance. */
export async function withdraw(app: AppContext, options: {wallet?: string} & NodeOption = {}): Promise<{node: string; stake: string; balance: string}> {
  const name = nodeName(options.node);
  const access = await app.registryAccess(providerWallet(app, options.wallet, name));
  const {stake} = await withdrawStake(access, {nodeKey: nodePublicKey(app, name)});
  return {node: name, stake: formatTon(stake), balance: formatTon(await access.client.balance(access.sender.address))};
}

/** What `provide renew` reports. */
export interface RenewView {
  node: string;
  /** GRAM sent (rent and the shard's gas fee). */
  paid: string;
  /** ISO times the rent ran to before and runs to now. */
  paidUntilBefore: string;
  paidUntil: string;
  record: RecordView;
}

/** Prepay `days` more rent for one node's record (default 365), from its wallet. */
export async function renew(app: AppContext, options: {wallet?: string; days?: number} & NodeOption = {}): Promise<RenewView> {
  const name = nodeName(options.node);
  const access = await app.registryAccess(providerWallet(app, options.wallet, name));
  const done = await renewRent(access, {nodeKey: nodePublicKey(app, name), ...(options.days !== undefined ? {seconds: options.days * 86_400} : {})});
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return {node: name, paid: formatTon(done.paid), paidUntilBefore: iso(done.before.paidUntil), paidUntil: iso(done.after.paidUntil), record: recordView(done.record, app.network)};
}

/** What `provide status` reports: the default node's figures at the top (as before nodes had names), and every node. */
export type MachineStatusReport = Partial<Omit<ProviderStatusReport, 'network'>> & {network: NetworkName; nodes: ProviderStatusReport[]};

/** Registration, live figures and earnings of one node of this machine. */
export async function nodeStatus(app: AppContext, options: {wallet?: string; endpoint?: string} & NodeOption = {}): Promise<ProviderStatusReport> {
  const name = nodeName(options.node);
  const local = localProvider(app, name);
  const endpoint = options.endpoint ?? (local ? `http://${local.host === '0.0.0.0' ? '127.0.0.1' : local.host}:${local.port}` : undefined);
  const wallet = await app.walletAddress(providerWallet(app, options.wallet, name));
  const nodeKey = app.nodePublicKey(name);
  // A node with no key yet has no record; an empty key matches none (and never the wallet's other nodes).
  const chain = await app.chainAccess();
  // A node behind NAT (libp2p:// record, maybe no HTTP port) is probed through its relays.
  const report = await withSharedP2pDialer(() =>
    providerStatus({...chain, network: app.network, wallet, nodeKey: nodeKey ?? Buffer.alloc(32), name, ledgerDir: ledgerDir(app.network, name), endpoint, p2pTransport: transportForRecord}),
  );
  if (!report.registration || !nodeKey) return report;
  // Where the node stands with the auditors: the board read beside the registry (cached like discovery's).
  const {records, board} = await readRegistry({...chain, model: report.registration.model});
  const record = records.find((r) => r.nodeKey.equals(nodeKey));
  if (!record) return report;
  const standing = auditStanding(record, board);
  return {...report, audit: {...standing, label: describeStanding(standing)}};
}

/**
 * `provide status`: with a node, that node; without, every node of this
 * machine (`--endpoint` then applies to the default node). The default node's
 * figures are also at the top level, so scripts written before nodes had names
 * keep reading `.registration` and `.node`.
 */
export async function status(app: AppContext, options: {wallet?: string; endpoint?: string} & NodeOption = {}): Promise<MachineStatusReport> {
  const names = options.node !== undefined ? [nodeName(options.node)] : machineNodes(app);
  if (names.length === 0) names.push(DEFAULT_NODE);
  const nodes = await Promise.all(names.map((node) => nodeStatus(app, {node, wallet: options.wallet, endpoint: node === DEFAULT_NODE || options.node !== undefined ? options.endpoint : undefined})));
  const primary = nodes.find((n) => n.name === DEFAULT_NODE) ?? (options.node !== undefined ? nodes[0] : undefined);
  return {...primary, network: app.network, nodes};
}

/** Claims as views. */
export function claimViews(reports: ClaimReport[]): ClaimView[] {
  return reports.map((r) => ({channel: r.channel, outcome: r.outcome, claimed: formatTon(r.paidAfter - r.paidBefore), voucher: formatTon(r.voucher), error: r.error}));
}

/** Claim every unclaimed voucher now, of one node or (no node given) every node of this machine (external claims: no wallet key needed). */
export async function claimAll(app: AppContext, options: NodeOption = {}): Promise<ClaimReport[]> {
  const names = options.node !== undefined ? [nodeName(options.node)] : machineNodes(app);
  if (names.length === 0) names.push(DEFAULT_NODE);
  const client = await app.chain();
  const reports: ClaimReport[] = [];
  // One node at a time: each has its own ledger, and a channel is claimed from the node that holds its vouchers.
  for (const node of names) reports.push(...(await new Settler({client, ledger: new FileChannelLedger(ledgerDir(app.network, node)), threshold: 0n}).settle({force: true})));
  return reports;
}

/** How `provide start` serves, beyond the registration. */
export interface StartOptions extends NodeOption {
  wallet?: string;
  /** Model file. Default: the one registered from this machine. */
  modelPath?: string;
  host?: string;
  port?: number;
  parallel?: number;
  /** GRAM unclaimed on a channel before it is claimed. Default: 1. */
  claimThreshold?: string;
  settleIntervalMs?: number;
  rateLimit?: number;
  /** Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed. Default: none. */
  trustedProxies?: string[];
  minCloseDelay?: number;
  /** Refuse a channel once it has waived this many charges. Default: 3. */
  maxWaived?: number;
  /** Credit window per channel (docs/protocol.md §8): answers, and GRAM as text. Default: 8 answers, 0.1 GRAM. */
  creditQueries?: number;
  creditLimit?: string;
  /** Proof of work asked of every query, bits. Default: 0 (off). */
  powDifficulty?: number;
  /** Renew the record's rent from the wallet when it is due (unlocks the wallet at start). Default: off: the node only warns. */
  renew?: boolean;
  onEvent?: (event: NodeEvent) => void;
  /** Told before the registration is checked. */
  onChecking?: (wallet: Address) => void;
  /** Relays to reserve, for a node registered with --relay. Default: the relays its record names. */
  relays?: string[];
  /** libp2p addresses to listen on directly besides the relays (a forwarded port; lets DCUtR upgrade consumers). Default: none. */
  p2pListen?: string[];
  /** Relay reservations made and lost. */
  onP2p?: (event: P2pEndpointEvent) => void;
}

/** Check a node's registration against this machine's model and that node's key, then serve it (one node per process). */
export async function startNode(app: AppContext, options: StartOptions = {}): Promise<ProviderNode> {
  // Amounts first: a typo is refused before the node key is unlocked or the model loaded.
  const claimThreshold = parseTon(options.claimThreshold ?? '1');
  const creditNano = options.creditLimit === undefined ? undefined : parseTon(options.creditLimit);
  const name = nodeName(options.node);
  const local = localProvider(app, name);
  const modelPath = options.modelPath ?? local?.modelPath;
  if (!modelPath) throw new CocoonError('USAGE', `No model to serve for node "${name}".`, {hint: `Register it from this machine first${name === DEFAULT_NODE ? '' : ` (--node ${name})`}, or pass --model FILE.`});
  if (!app.hasNodeKey(name)) throw noNodeKey(name);
  const {key: nodeKey} = await app.nodeKey({node: name});
  const walletName = providerWallet(app, options.wallet, name);
  const wallet = await app.walletAddress(walletName);
  // Only with --renew does the serving process hold the wallet's key (claims need none: they are external messages).
  const access = options.renew ? await app.registryAccess(walletName) : undefined;
  options.onChecking?.(wallet);
  const gpu = app.settings.get('inference.gpu');
  const threads = app.settings.get('inference.threads') || undefined;
  // A node registered with --relay (endpoint libp2p://…) binds no HTTP port unless one is asked for.
  const p2p = Boolean(local?.endpoint.startsWith('libp2p://') || options.relays?.length);
  const node = await startProviderNode({
    ...(await app.chainAccess()),
    wallet,
    nodeKey,
    modelPath,
    createEngine: (o) =>
      o.kind === 'embeddings'
        ? createEmbedder({modelPath: o.modelPath, name: o.name, gpu: gpu === 'off' ? false : gpu, threads})
        : createEngine({modelPath: o.modelPath, name: o.name, gpu: gpu === 'off' ? false : gpu, threads, parallel: options.parallel ?? 2}),
    hashModel: (p) => modelSha256(p),
    ledgerDir: ledgerDir(app.network, name),
    host: options.host ?? local?.host,
    port: p2p && options.port === undefined ? null : (options.port ?? local?.port ?? 8740),
    claimThreshold,
    settleIntervalMs: options.settleIntervalMs ?? 30_000,
    minCloseDelay: options.minCloseDelay,
    maxWaived: options.maxWaived,
    credit: {queries: options.creditQueries, nano: creditNano},
    powDifficulty: options.powDifficulty,
    rateLimit: options.rateLimit ? {refillPerSecond: options.rateLimit, capacity: 3 * options.rateLimit} : undefined,
    trustedProxies: options.trustedProxies,
    ...(access ? {renewRent: async (record: ProviderRecord) => (await renewRent(access, {nodeKey: record.nodeKey})).record} : {}),
    onEvent: options.onEvent,
  });
  return p2p ? serveThroughRelays(app, node, nodeKey.ed25519Seed, options) : node;
}

/** Reserve the node's relays and hand their streams to its HTTP server; the node's url becomes its libp2p endpoint. */
async function serveThroughRelays(app: AppContext, node: ProviderNode, nodeSeed: Uint8Array, options: StartOptions): Promise<ProviderNode> {
  const {startP2pEndpoint} = await import('../provider/p2p-endpoint.js');
  const recorded = node.record.extension?.relays ?? [];
  const relays = (await resolveRelays(app, options.relays)) ?? recorded;
  // Consumers dial the record's relays: a picked relay the record does not name is no use to them.
  const unlisted = relays.filter((r) => !recorded.some((x) => r === x || r.startsWith(`${x}/p2p/`)));
  if (options.relays && unlisted.length > 0) {
    options.onEvent?.({type: 'warning', message: `the record does not name relay ${unlisted.join(', ')}: consumers will not dial it; run \`cocoon provide update --relay …\``});
  }
  let endpoint: P2pEndpoint | undefined;
  try {
    endpoint = await startP2pEndpoint({
      nodeSeed,
      relays,
      listen: options.p2pListen,
      accept: (socket) => node.server.accept(socket),
      onEvent: options.onP2p,
    });
    await endpoint.ready({count: 1, timeoutMs: 20_000});
  } catch (error) {
    await endpoint?.close();
    await node.close();
    throw error;
  }
  const p2p = endpoint;
  if (node.record.endpoint !== p2p.endpoint) {
    options.onEvent?.({type: 'warning', message: `the record names ${node.record.endpoint}, but this node's libp2p endpoint is ${p2p.endpoint}: run \`cocoon provide update --relay …\``});
  }
  return {
    url: p2p.endpoint,
    server: node.server,
    settler: node.settler,
    get record() {
      return node.record;
    },
    engine: node.engine,
    refresh: () => node.refresh(),
    // Answers in flight finish over their streams first; then libp2p stops.
    close: () => node.close().finally(() => p2p.close()),
  };
}

/** A wallet address as the provider commands print it. */
export function shownAddress(app: AppContext, address: Address): string {
  return formatAddress(address, app.network);
}
