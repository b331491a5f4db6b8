import type {Address} from '@ton/core';
import {Registry} from '../chain/contracts/registry.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {formatTon, parseTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {CocoonError} from '../errors.js';
import {createEngine} from '../inference/engine.js';
import {modelSha256} from '../inference/hash.js';
import {FileChannelLedger} from '../provider/file-ledger.js';
import {ledgerDir, readProviderConfig, writeProviderConfig, type ProviderConfig} from '../provider/local-config.js';
import {startProviderNode, type NodeEvent, type ProviderNode} from '../provider/node.js';
import {probeEndpoint} from '../provider/probe.js';
import {buildProfile, getRegistration, registerProvider, unregisterProvider, updateProvider, withdrawStake, type OfferInput} from '../provider/registration.js';
import {Settler, type ClaimReport} from '../provider/settlement.js';
import {providerStatus, type ProviderStatusReport} from '../provider/status.js';
import {recordView, type RecordView} from '../provider/views.js';
import type {AppContext} from './context.js';

/** An offer resolved from flags or the wizard, with where to listen and what to stake. */
export interface ProviderOffer {
  offer: OfferInput;
  modelPath: string;
  stake: bigint;
  host: string;
  port: number;
}

/** What `provide register` reports. */
export interface RegisterResult {
  record: RecordView;
  nodeKeyCreated: boolean;
  nodeKeyPath: string;
  endpointReachable: boolean;
  config: string;
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

/** The local provider config of this network (what `register` chose). */
export function localProvider(app: AppContext): ProviderConfig | undefined {
  return readProviderConfig(app.network);
}

/** The wallet the provider commands mean: the flag, else the one registered from this machine, else the default. */
export function providerWallet(app: AppContext, requested?: string): string {
  return app.walletName(requested ?? localProvider(app)?.wallet);
}

/** The registry's minimum stake, nanoGRAM. */
export async function registryMinStake(app: AppContext): Promise<bigint> {
  const {client, registry} = await app.chainAccess();
  return (await client.call(() => client.ton.open(Registry.createFromAddress(registry)).getParams())).minStake;
}

/** This wallet's current registration, or NOT_FOUND. */
export async function currentRegistration(app: AppContext, wallet?: string): Promise<ProviderRecord> {
  const {client, registry} = await app.chainAccess();
  const record = await getRegistration(client, registry, await app.walletAddress(app.walletName(wallet)));
  if (!record) throw new CocoonError('NOT_FOUND', 'This wallet has no registration.', {hint: 'Register first with `cocoon provide register`.'});
  return record;
}

function saveLocal(app: AppContext, wallet: string, resolved: ProviderOffer): string {
  return writeProviderConfig({version: 1, network: app.network, wallet, modelPath: resolved.modelPath, host: resolved.host, port: resolved.port, endpoint: resolved.offer.endpoint});
}

/** Register: node key (created on first use), the record on chain, the local config, and whether the endpoint answers yet. */
export async function register(app: AppContext, resolved: ProviderOffer, options: {wallet?: string} = {}): Promise<RegisterResult> {
  const wallet = app.walletName(options.wallet);
  const node = await app.nodeKey({create: true});
  const record = await registerProvider(await app.registryAccess(wallet), {profile: buildProfile(resolved.offer, node.key), stake: resolved.stake});
  const config = saveLocal(app, wallet, resolved);
  const endpointReachable = await probeEndpoint(resolved.offer.endpoint);
  return {record: recordView(record, app.network), nodeKeyCreated: node.created, nodeKeyPath: node.path, endpointReachable, config};
}

/** Publish a changed offer (same stake) and keep the local config in step. */
export async function update(app: AppContext, resolved: ProviderOffer, options: {wallet?: string} = {}): Promise<RecordView> {
  const wallet = app.walletName(options.wallet);
  const node = await app.nodeKey();
  const record = await updateProvider(await app.registryAccess(wallet), {profile: buildProfile(resolved.offer, node.key)});
  saveLocal(app, wallet, resolved);
  return recordView(record, app.network);
}

/** Start unbonding the stake. */
export async function unregister(app: AppContext, options: {wallet?: string} = {}): Promise<RecordView> {
  return recordView(await unregisterProvider(await app.registryAccess(app.walletName(options.wallet))), app.network);
}

/** Take the unbonded stake back; reports the wallet's new balance. */
export async function withdraw(app: AppContext, options: {wallet?: string} = {}): Promise<{stake: string; balance: string}> {
  const access = await app.registryAccess(app.walletName(options.wallet));
  const {stake} = await withdrawStake(access);
  return {stake: formatTon(stake), balance: formatTon(await access.client.balance(access.sender.address))};
}

/** Registration, live node figures and earnings of this machine's provider. */
export async function status(app: AppContext, options: {wallet?: string; endpoint?: string} = {}): Promise<ProviderStatusReport> {
  const local = localProvider(app);
  const endpoint = options.endpoint ?? (local ? `http://${local.host === '0.0.0.0' ? '127.0.0.1' : local.host}:${local.port}` : undefined);
  const wallet = await app.walletAddress(providerWallet(app, options.wallet));
  return providerStatus({...(await app.chainAccess()), network: app.network, wallet, ledgerDir: ledgerDir(app.network), endpoint});
}

/** Claims as views. */
export function claimViews(reports: ClaimReport[]): ClaimView[] {
  return reports.map((r) => ({channel: r.channel, outcome: r.outcome, claimed: formatTon(r.paidAfter - r.paidBefore), voucher: formatTon(r.voucher), error: r.error}));
}

/** Claim every unclaimed voucher now (external claims: no wallet key needed). */
export async function claimAll(app: AppContext): Promise<ClaimReport[]> {
  const settler = new Settler({client: await app.chain(), ledger: new FileChannelLedger(ledgerDir(app.network)), threshold: 0n});
  return settler.settle({force: true});
}

/** How `provide start` serves, beyond the registration. */
export interface StartOptions {
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
  minCloseDelay?: number;
  /** Refuse a channel once it has waived this many charges. Default: 3. */
  maxWaived?: number;
  /** Proof of work asked of every query, bits. Default: 0 (off). */
  powDifficulty?: number;
  onEvent?: (event: NodeEvent) => void;
  /** Told before the registration is checked. */
  onChecking?: (wallet: Address) => void;
}

/** Check the registration against this machine's model and node key, then serve it. */
export async function startNode(app: AppContext, options: StartOptions = {}): Promise<ProviderNode> {
  const local = localProvider(app);
  const modelPath = options.modelPath ?? local?.modelPath;
  if (!modelPath) throw new CocoonError('USAGE', 'No model to serve.', {hint: 'Register from this machine first, or pass --model FILE.'});
  const {key: nodeKey} = await app.nodeKey();
  const wallet = await app.walletAddress(providerWallet(app, options.wallet));
  options.onChecking?.(wallet);
  const gpu = app.settings.get('inference.gpu');
  const threads = app.settings.get('inference.threads') || undefined;
  return startProviderNode({
    ...(await app.chainAccess()),
    wallet,
    nodeKey,
    modelPath,
    createEngine: (o) => createEngine({...o, gpu: gpu === 'off' ? false : gpu, threads, parallel: options.parallel ?? 2}),
    hashModel: (p) => modelSha256(p),
    ledgerDir: ledgerDir(app.network),
    host: options.host ?? local?.host,
    port: options.port ?? local?.port ?? 8740,
    claimThreshold: parseTon(options.claimThreshold ?? '1'),
    settleIntervalMs: options.settleIntervalMs ?? 30_000,
    minCloseDelay: options.minCloseDelay,
    maxWaived: options.maxWaived,
    powDifficulty: options.powDifficulty,
    rateLimit: options.rateLimit ? {refillPerSecond: options.rateLimit, capacity: 3 * options.rateLimit} : undefined,
    onEvent: options.onEvent,
  });
}

/** A wallet address as the provider commands print it. */
export function shownAddress(app: AppContext, address: Address): string {
  return formatAddress(address, app.network);
}
