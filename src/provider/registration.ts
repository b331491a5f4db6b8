import fs from 'node:fs';
import path from 'node:path';
import {Address, beginCell, Cell, toNano} from '@ton/core';
import {dataPath} from '../config/paths.js';
import {writeFileAtomic} from '../config/files.js';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import {Registry, DEFAULT_RENT_SECONDS, type RegisterQuote} from '../chain/contracts/registry.js';
import {indexFromData, shardsToRead, SHARD_ANNOUNCE_VALUE, type IndexView, type ShardRef} from '../chain/contracts/registry-index.js';
import {readRegistryData} from '../chain/contracts/registry-reader.js';
import {MAX_MODEL_BYTES, storeProfile, type ProviderProfile, type ProviderRecord} from '../chain/contracts/registry-codec.js';
import {isEvictable} from '../chain/contracts/registry-rent.js';
import {formatTon} from '../chain/units.js';
import type {NodeKey} from '../crypto/node-key.js';
import type {WalletSender} from '../wallet/wallet-sender.js';
import type {ProviderExtension} from '../chain/contracts/registry-extension.js';

/** A `libp2p://<peer id>` endpoint (p2p-offer.ts): a non-special URL scheme keeps the id's case. */
export const P2P_ENDPOINT = /^libp2p:\/\/12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/;

/** nanoGRAM attached to update, unregister and withdraw; the registry refunds what gas does not use. */
const OPERATION_VALUE = toNano('0.05');

/** What a provider says about its offer (the model facts come from the file). */
export interface OfferInput {
  /** Model name as served. */
  model: string;
  /** Architecture, e.g. llama, qwen, deepseek. */
  architecture: string;
  /** SHA-256 of the model file, hex. */
  modelSha256: string;
  contextSize: number;
  queriesPerDay: number;
  /** nanoGRAM per token. */
  promptPrice: bigint;
  completionPrice: bigint;
  /** URL consumers reach the node at: http(s), or `libp2p://<peer id>` for a node reached through relays (p2p-offer.ts). */
  endpoint: string;
  /** Later record fields (registry-extension.ts): a libp2p node's peer and relays. Default: none. */
  extension?: ProviderExtension;
}

/** The on-chain profile for an offer and a node key. */
export function buildProfile(offer: OfferInput, nodeKey: NodeKey): ProviderProfile {
  if (!/^https?:\/\/[^\s/]+/.test(offer.endpoint) && !P2P_ENDPOINT.test(offer.endpoint)) {
    throw new CocoonError('INVALID_INPUT', `The endpoint "${offer.endpoint}" is not an http(s) URL.`, {hint: 'Use e.g. http://203.0.113.7:8080, or --relay MULTIADDR for a node behind NAT.'});
  }
  return {
    nodeKey: Buffer.from(nodeKey.ed25519PublicKey),
    encryptionKey: Buffer.from(nodeKey.x25519PublicKey),
    endpoint: offer.endpoint,
    architecture: offer.architecture,
    model: offer.model,
    modelHash: Buffer.from(offer.modelSha256, 'hex'),
    contextSize: offer.contextSize,
    queriesPerDay: offer.queriesPerDay,
    promptPrice: offer.promptPrice,
    completionPrice: offer.completionPrice,
    ...(offer.extension ? {extension: offer.extension} : {}),
  };
}

/** The chain, the registry and the wallet that signs. */
export interface RegistryAccess {
  client: ChainClient;
  registry: Address;
  /** The provider's wallet (its address owns the record). */
  sender: WalletSender;
  /** Where a registration in flight is recorded. Default: `<data>/provider/<network>`. */
  journalDir?: string;
}

/**
 * nanoGRAM sent to deploy a model's next shard (it joins the shard's rent pool,
 * which pays the shard's own code and root: ~0.02 GRAM a year), paid by the
 * provider whose registration needs it and shown in its plan.
 */
export const SHARD_DEPLOY_VALUE = toNano('0.1');

function open(client: ChainClient, shard: Address | Registry) {
  return client.ton.open(shard instanceof Registry ? shard : Registry.createFromAddress(shard));
}

// The index address a shard names never changes (it is in the shard's initial
// data), and neither does the genesis the index holds: one read per process.
const directories = new Map<string, Address>();

/** The registry's index, read now (its model list changes as shards announce); undefined without one. */
async function readIndex(client: ChainClient, registry: Address): Promise<IndexView | undefined> {
  let directory = directories.get(registry.toRawString());
  if (!directory) {
    const state = await client.call((ton) => ton.getContractState(registry));
    if (state.state !== 'active' || !state.data) return undefined;
    directory = readRegistryData(Cell.fromBoc(state.data)[0]!).directory;
    directories.set(registry.toRawString(), directory);
  }
  const at = directory;
  const state = await client.call((ton) => ton.getContractState(at));
  if (state.state !== 'active' || !state.data) return undefined;
  return indexFromData(at, Cell.fromBoc(state.data)[0]!);
}

/** A record and the shard that holds it. */
export interface LocatedRecord {
  record: ProviderRecord;
  shard: Address;
  /** The shard's model: '' for the general shard (the configured registry). */
  shardModel: string;
}

/**
 * Where the record of a node key (or a wallet's first record) lives: the
 * configured (general) shard first, where every record of a registry that was
 * never full is, so today's path costs one read; then the shards of `model`
 * when it is known, else every shard the index lists (reads concurrent, paced
 * by the chain client).
 */
export async function locateRegistration(client: ChainClient, registry: Address, key: Address | Uint8Array, model?: string): Promise<LocatedRecord | null> {
  const lookup = (shard: Address) => client.call(() => open(client, shard).getProvider(key instanceof Address ? key : Buffer.from(key)));
  const general = await lookup(registry);
  if (general) return {record: general, shard: registry, shardModel: ''};
  const view = await readIndex(client, registry);
  if (!view) return null;
  const refs = shardsToRead(view, model).filter((r) => !r.address.equals(registry) && (model === undefined || r.model === '' || r.model === model));
  const found = await Promise.all(refs.map(async (ref) => ({ref, record: await lookup(ref.address)})));
  const hit = found.find((f) => f.record);
  return hit ? {record: hit.record!, shard: hit.ref.address, shardModel: hit.ref.model} : null;
}

/**
 * The record of a node key (the registry's key: one wallet may own several), or
 * null, from whichever shard holds it (locateRegistration; `model`, when known,
 * narrows the search to that model's shards). Given a wallet address instead,
 * that wallet's first record (a full read of each shard; kept for callers that
 * know only the owner).
 */
export async function getRegistration(client: ChainClient, registry: Address, key: Address | Uint8Array, model?: string): Promise<ProviderRecord | null> {
  return (await locateRegistration(client, registry, key, model))?.record ?? null;
}

/** Which record an operation acts on: the node key's, or (no key given) the wallet's first; refused when another wallet owns it. */
export async function ownedRecord(access: RegistryAccess, nodeKey?: Uint8Array, model?: string): Promise<LocatedRecord | null> {
  const found = await locateRegistration(access.client, access.registry, nodeKey ?? access.sender.address, model);
  if (found && !found.record.owner.equals(access.sender.address)) {
    throw new CocoonError('INVALID_INPUT', 'This node key is registered by another wallet.', {
      hint: `Use that wallet (--wallet), or a node with its own key (--node NAME).`,
    });
  }
  return found;
}

/** Re-read a record after an operation, from the shard that holds it. */
async function reread(access: RegistryAccess, shard: Address, nodeKey: Uint8Array): Promise<ProviderRecord | null> {
  return access.client.call(() => open(access.client, shard).getProvider(Buffer.from(nodeKey)));
}

function notRegistered(nodeKey?: Uint8Array): CocoonError {
  return nodeKey
    ? new CocoonError('NOT_FOUND', 'This node has no registration in the registry.', {hint: 'Register it with `cocoon provide register` (--node NAME for a named node).'})
    : new CocoonError('NOT_FOUND', 'This wallet has no registration in the registry.', {hint: 'Register with `cocoon provide register`.'});
}

/** Which record of the wallet an operation means. */
export interface RecordSelector {
  /** The node's public Ed25519 key (the record's key). Default: the wallet's first record. */
  nodeKey?: Uint8Array;
  /** The record's model, when known: only the general shard and that model's shards are searched. */
  model?: string;
}

/**
 * A registration recorded before it is sent (`<data>/provider/<network>/registering-<node key>.json`),
 * so the next run can tell "an earlier run's registration landed" from
 * "this node is registered already".
 */
class PendingRegistration {
  private readonly file: string;

  constructor(access: RegistryAccess, nodeKey: Uint8Array) {
    const name = `registering-${Buffer.from(nodeKey).toString('hex')}.json`;
    this.file = access.journalDir ? path.join(access.journalDir, name) : dataPath('provider', access.client.network, name);
  }

  /** The recorded registration: registry and profile hash. */
  read(): {registry: string; profile: string} | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as {registry: string; profile: string};
    } catch {
      return undefined;
    }
  }

  write(value: {registry: string; profile: string}): void {
    fs.mkdirSync(path.dirname(this.file), {recursive: true, mode: 0o700});
    writeFileAtomic(this.file, JSON.stringify({...value, at: new Date().toISOString()}));
  }

  clear(): void {
    fs.rmSync(this.file, {force: true});
  }
}

function profileHash(profile: ProviderProfile): string {
  return beginCell().store(storeProfile(profile)).endCell().hash().toString('hex');
}

/** Where a registration goes and what it costs: `planRegistration`. */
export interface RegistrationPlan {
  /** The shard the record goes into. */
  shard: Address;
  /** The shard's model ('' for the general shard) and index among the model's shards. */
  model: string;
  shardIndex: number;
  /** nanoGRAM sent first to deploy the shard (0 when it exists): SHARD_DEPLOY_VALUE. */
  deploy: bigint;
  /** The registration message's value and its parts. */
  quote: RegisterQuote;
  /** Everything the wallet sends: deploy + evict + quote.value (its own fees come on top). */
  total: bigint;
  /**
   * A record of the (full) shard whose rent ran out past the grace period: the
   * registration evicts it first (anyone may; its owner gets the stake less the
   * rent it overran) and takes its room, instead of going to another shard.
   */
  evict?: {nodeKey: Buffer; value: bigint};
}

const FULL_HINT = 'Shards take 1,000 records each.';

/** nanoGRAM attached to an eviction: its gas; what it does not use comes back. */
const EVICT_VALUE = toNano('0.02');

/** The first record of `shard` that anyone may evict now (its rent ran out a grace period ago), if any: one account read. */
async function evictable(access: RegistryAccess, shard: Address): Promise<ProviderRecord | undefined> {
  const snapshot = await access.client.call(() => open(access.client, shard).getSnapshot());
  const now = Math.floor(Date.now() / 1000);
  return snapshot.providers.find((p) => isEvictable(p, now));
}

/**
 * The plan for a deployed shard, when it has room: a free place, or (full) a
 * record that stopped paying its rent, which the registration evicts first and
 * whose room it takes. Undefined when the shard is full for good.
 */
async function roomIn(
  access: RegistryAccess,
  at: {shard: Address; model: string; shardIndex: number; count: number; capacity: number},
  options: {profile: ProviderProfile; stake: bigint; evict?: boolean},
): Promise<RegistrationPlan | undefined> {
  const expired = at.count < at.capacity || options.evict === false ? undefined : await evictable(access, at.shard);
  if (at.count >= at.capacity && !expired) return undefined;
  const quote = await access.client.call(() => open(access.client, at.shard).getRegisterQuote({profile: options.profile, stake: options.stake}));
  const base = {shard: at.shard, model: at.model, shardIndex: at.shardIndex, deploy: 0n, quote};
  return expired ? {...base, evict: {nodeKey: expired.nodeKey, value: EVICT_VALUE}, total: EVICT_VALUE + quote.value} : {...base, total: quote.value};
}

/** A registration's value for a shard not deployed yet (its get-methods cannot be asked): fee and rate from the general shard, which runs the same code. */
async function quoteUndeployed(access: RegistryAccess, profile: ProviderProfile, stake: bigint): Promise<RegisterQuote> {
  const general = open(access.client, access.registry);
  const fee = await access.client.call(() => general.getRegisterFee());
  const rate = await access.client.call(() => general.getRecordRate(profile));
  const rentSeconds = DEFAULT_RENT_SECONDS;
  // As Registry.getRegisterQuote: one second more than asked (the contract rounds down).
  const rent = (BigInt(rentSeconds + 1) * rate + 65535n) / 65536n;
  const announce = SHARD_ANNOUNCE_VALUE;
  return {value: stake + fee + announce + rent, stake, fee, announce, shortfall: 0n, rent, rentSeconds, rate};
}

/**
 * Which shard a registration goes into, and what it costs. The general shard
 * (the configured registry) while it has room, as before sharding; once it is
 * full, the first shard of the record's model with room (shard counts from the
 * index, addresses derived here), and when all of them are full (or the model
 * has none yet) that model's next shard, which the registration deploys first
 * (SHARD_DEPLOY_VALUE, in `deploy`). The registry's parameters have no
 * shard-by-model switch, so filling the general shard is the only trigger.
 */
export async function planRegistration(access: RegistryAccess, options: {profile: ProviderProfile; stake: bigint; evict?: boolean}): Promise<RegistrationPlan> {
  const {profile, stake} = options;
  const general = open(access.client, access.registry);
  const info = await access.client.call(() => general.getParams());
  if (stake < info.minStake) {
    throw new CocoonError('INVALID_INPUT', `A stake of ${formatTon(stake)} GRAM is below the registry minimum of ${formatTon(info.minStake)} GRAM.`, {
      hint: `Stake at least ${formatTon(info.minStake)} GRAM (--stake).`,
    });
  }
  const here = await roomIn(access, {shard: access.registry, model: '', shardIndex: 0, count: info.count, capacity: info.capacity}, options);
  if (here) return here;
  const model = profile.model;
  if (model === '' || Buffer.byteLength(model, 'utf8') > MAX_MODEL_BYTES) {
    throw new CocoonError('INVALID_INPUT', `The registry's general shard is full, and the model name "${model}" cannot name a model shard (1 to ${MAX_MODEL_BYTES} bytes).`, {hint: `Use a shorter model name. ${FULL_HINT}`});
  }
  const view = await readIndex(access.client, access.registry);
  if (!view) {
    throw new CocoonError('NOT_FOUND', "The registry's general shard is full and the registry has no index to list model shards in.", {hint: `Use another registry (\`cocoon registry deploy\`). ${FULL_HINT}`});
  }
  const listed: ShardRef[] = shardsToRead(view, model).filter((r) => r.model === model);
  // Listed shards first (each announced itself, so it is deployed), then the
  // next indexes: one may be deployed and not yet announced (a registration in flight).
  for (let i = 0; i < listed.length + 8; i++) {
    const shard = view.index.shard(model, i);
    const opened = open(access.client, shard);
    const state = await access.client.state(shard.address);
    if (state.state !== 'active') {
      if (i < listed.length) continue;
      const quote = await quoteUndeployed(access, profile, stake);
      return {shard: shard.address, model, shardIndex: i, deploy: SHARD_DEPLOY_VALUE, quote, total: SHARD_DEPLOY_VALUE + quote.value};
    }
    const params = await access.client.call(() => opened.getParams());
    const plan = await roomIn(access, {shard: shard.address, model, shardIndex: i, count: params.count, capacity: params.capacity}, options);
    if (!plan) continue;
    if (stake < params.minStake) {
      throw new CocoonError('INVALID_INPUT', `A stake of ${formatTon(stake)} GRAM is below the minimum of ${formatTon(params.minStake)} GRAM of shard ${i} of "${model}".`, {hint: `Stake at least ${formatTon(params.minStake)} GRAM (--stake).`});
    }
    return plan;
  }
  throw new CocoonError('CHAIN_ERROR', `Every shard of "${model}" the registry lists, and the next eight, is full.`, {hint: 'Try again later.'});
}

/**
 * Register with a stake (checked against the minimum before anything is sent)
 * into the shard planRegistration chooses (deploying it first when needed).
 * The registration is recorded before it is sent: when an earlier run's
 * registration of this same offer landed but its confirmation was lost, the
 * record on chain is returned instead of ALREADY_EXISTS; one that never landed
 * is sent again (the wallet's seqno settles a message still in flight).
 */
export async function registerProvider(access: RegistryAccess, options: {profile: ProviderProfile; stake: bigint; evict?: boolean}): Promise<ProviderRecord> {
  const nodeKey = options.profile.nodeKey;
  const pending = new PendingRegistration(access, nodeKey);
  const mine = {registry: access.registry.toRawString(), profile: profileHash(options.profile)};
  const earlier = pending.read();
  const existing = await ownedRecord(access, nodeKey, options.profile.model);
  if (existing) {
    if (earlier?.registry === mine.registry && earlier.profile === mine.profile) {
      pending.clear();
      return existing.record;
    }
    throw new CocoonError('ALREADY_EXISTS', 'This node is already registered.', {
      hint: 'Change its offer with `cocoon provide update`; see it with `cocoon provide status`; register another node of this wallet with --node NAME.',
    });
  }
  // Registry v2: stake + gas fee + a year of prepaid rent (the record pays its own storage), in the shard with room.
  const plan = await planRegistration(access, options);
  const target = open(access.client, plan.shard);
  pending.write(mine);
  try {
    if (plan.evict) {
      // Its room first; a record renewed (or evicted by someone else) meanwhile refuses, and the registration is planned again.
      const evicted = await target.sendEvict(access.sender, {value: plan.evict.value, nodeKey: plan.evict.nodeKey}).then(() => true, () => false);
      if (!evicted) {
        pending.clear();
        return registerProvider(access, {...options, evict: false});
      }
    }
    if (plan.deploy > 0n) {
      // The wrapper's deploy: the StateInit derived from the index's genesis travels with it.
      const view = (await readIndex(access.client, access.registry))!;
      await open(access.client, view.index.shard(plan.model, plan.shardIndex)).sendDeploy(access.sender, plan.deploy);
    }
    await target.sendRegister(access.sender, {value: plan.quote.value, stake: options.stake, profile: options.profile});
  } catch (error) {
    // Refused before or by the chain: nothing to settle next time. Unknown: the record stays.
    if ((error as CocoonError).details?.outcome !== 'unknown') pending.clear();
    throw error;
  }
  pending.clear();
  return (await reread(access, plan.shard, nodeKey))!;
}

/**
 * Replace the offer of the record keyed by `profile.nodeKey` (encryption key,
 * endpoint, model, prices, volume), in the shard that holds it. A record in a
 * model shard keeps that model: readers take a model's records from its shards.
 */
export async function updateProvider(access: RegistryAccess, options: {profile: ProviderProfile}): Promise<ProviderRecord> {
  const nodeKey = options.profile.nodeKey;
  // The new offer's model first; a record whose model the update changes is in another model's shard.
  const found = (await ownedRecord(access, nodeKey, options.profile.model)) ?? (await ownedRecord(access, nodeKey));
  if (!found) throw notRegistered(nodeKey);
  const {shardModel} = found;
  if (shardModel !== '' && shardModel !== options.profile.model) {
    throw new CocoonError('INVALID_INPUT', `This node's record is in a shard of "${shardModel}"; it cannot change its model to "${options.profile.model}" there.`, {
      hint: 'Unregister it (`cocoon provide unregister`), withdraw after the unbonding delay, and register it again with the new model.',
    });
  }
  await open(access.client, found.shard).sendUpdate(access.sender, {value: OPERATION_VALUE, profile: options.profile});
  return (await reread(access, found.shard, nodeKey))!;
}

/** Start unbonding one record: consumers stop choosing that node; its stake unlocks after the delay. */
export async function unregisterProvider(access: RegistryAccess, options: RecordSelector = {}): Promise<ProviderRecord> {
  const found = await ownedRecord(access, options.nodeKey, options.model);
  if (!found) throw notRegistered(options.nodeKey);
  const {record, shard} = found;
  if (record.status === 'unbonding') {
    throw new CocoonError('INVALID_INPUT', 'The registration is already unbonding.', {hint: `Withdraw after ${new Date(record.unlockAt * 1000).toISOString()} with \`cocoon provide withdraw\`.`});
  }
  await open(access.client, shard).sendUnregister(access.sender, {value: OPERATION_VALUE, nodeKey: record.nodeKey});
  return (await reread(access, shard, record.nodeKey))!;
}

/** Take one record's stake back after unbonding; that record is deleted. */
export async function withdrawStake(access: RegistryAccess, options: RecordSelector & {now?: number} = {}): Promise<{stake: bigint}> {
  const found = await ownedRecord(access, options.nodeKey, options.model);
  if (!found) throw notRegistered(options.nodeKey);
  const {record, shard} = found;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (record.status !== 'unbonding') throw new CocoonError('INVALID_INPUT', 'The registration is active.', {hint: 'Run `cocoon provide unregister` first.'});
  if (now < record.unlockAt) {
    throw new CocoonError('INVALID_INPUT', `The stake unlocks at ${new Date(record.unlockAt * 1000).toISOString()} (in ${record.unlockAt - now} s).`, {hint: 'Try again after that.'});
  }
  await open(access.client, shard).sendWithdraw(access.sender, {value: OPERATION_VALUE, nodeKey: record.nodeKey});
  return {stake: record.stake};
}
