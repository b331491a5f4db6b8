import fs from 'node:fs';
import path from 'node:path';
import {Address, beginCell, toNano} from '@ton/core';
import {dataPath} from '../config/paths.js';
import {writeFileAtomic} from '../config/files.js';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import {Registry} from '../chain/contracts/registry.js';
import {storeProfile, type ProviderProfile, type ProviderRecord} from '../chain/contracts/registry-codec.js';
import {formatTon} from '../chain/units.js';
import type {NodeKey} from '../crypto/node-key.js';
import type {WalletSender} from '../wallet/wallet-sender.js';

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
  /** URL consumers reach the node at. */
  endpoint: string;
}

/** The on-chain profile for an offer and a node key. */
export function buildProfile(offer: OfferInput, nodeKey: NodeKey): ProviderProfile {
  if (!/^https?:\/\/[^\s/]+/.test(offer.endpoint)) {
    throw new CocoonError('INVALID_INPUT', `The endpoint "${offer.endpoint}" is not an http(s) URL.`, {hint: 'Use e.g. http://203.0.113.7:8080.'});
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

function open(access: RegistryAccess) {
  return access.client.ton.open(Registry.createFromAddress(access.registry));
}

/**
 * The record of a node key (the registry's key: one wallet may own several), or
 * null. Given a wallet address instead, that wallet's first record (a full read
 * of the shard; kept for callers that know only the owner).
 */
export async function getRegistration(client: ChainClient, registry: Address, key: Address | Uint8Array): Promise<ProviderRecord | null> {
  const registryAt = client.ton.open(Registry.createFromAddress(registry));
  return client.call(() => registryAt.getProvider(key instanceof Address ? key : Buffer.from(key)));
}

/** Which record an operation acts on: the node key's, or (no key given) the wallet's first. */
async function current(access: RegistryAccess, nodeKey?: Uint8Array): Promise<ProviderRecord | null> {
  const record = await getRegistration(access.client, access.registry, nodeKey ?? access.sender.address);
  if (record && !record.owner.equals(access.sender.address)) {
    throw new CocoonError('INVALID_INPUT', 'This node key is registered by another wallet.', {
      hint: `Use that wallet (--wallet), or a node with its own key (--node NAME).`,
    });
  }
  return record;
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

/**
 * Register with a stake (checked against the minimum before anything is sent).
 * The registration is recorded before it is sent: when an earlier run's
 * registration of this same offer landed but its confirmation was lost, the
 * record on chain is returned instead of ALREADY_EXISTS; one that never landed
 * is sent again (the wallet's seqno settles a message still in flight).
 */
export async function registerProvider(access: RegistryAccess, options: {profile: ProviderProfile; stake: bigint}): Promise<ProviderRecord> {
  const nodeKey = options.profile.nodeKey;
  const pending = new PendingRegistration(access, nodeKey);
  const mine = {registry: access.registry.toRawString(), profile: profileHash(options.profile)};
  const earlier = pending.read();
  const existing = await current(access, nodeKey);
  if (existing) {
    if (earlier?.registry === mine.registry && earlier.profile === mine.profile) {
      pending.clear();
      return existing;
    }
    throw new CocoonError('ALREADY_EXISTS', 'This node is already registered.', {
      hint: 'Change its offer with `cocoon provide update`; see it with `cocoon provide status`; register another node of this wallet with --node NAME.',
    });
  }
  const registry = open(access);
  const params = await access.client.call(() => registry.getParams());
  if (options.stake < params.minStake) {
    throw new CocoonError('INVALID_INPUT', `A stake of ${formatTon(options.stake)} GRAM is below the registry minimum of ${formatTon(params.minStake)} GRAM.`, {
      hint: `Stake at least ${formatTon(params.minStake)} GRAM (--stake).`,
    });
  }
  // Registry v2: stake + gas fee + a year of prepaid rent (the record pays its own storage).
  const quote = await access.client.call(() => registry.getRegisterQuote({profile: options.profile, stake: options.stake}));
  pending.write(mine);
  try {
    await registry.sendRegister(access.sender, {value: quote.value, stake: options.stake, profile: options.profile});
  } catch (error) {
    // Refused before or by the chain: nothing to settle next time. Unknown: the record stays.
    if ((error as CocoonError).details?.outcome !== 'unknown') pending.clear();
    throw error;
  }
  pending.clear();
  return (await current(access, nodeKey))!;
}

/** Replace the offer of the record keyed by `profile.nodeKey` (encryption key, endpoint, model, prices, volume). */
export async function updateProvider(access: RegistryAccess, options: {profile: ProviderProfile}): Promise<ProviderRecord> {
  const nodeKey = options.profile.nodeKey;
  if (!(await current(access, nodeKey))) throw notRegistered(nodeKey);
  await open(access).sendUpdate(access.sender, {value: OPERATION_VALUE, profile: options.profile});
  return (await current(access, nodeKey))!;
}

/** Start unbonding one record: consumers stop choosing that node; its stake unlocks after the delay. */
export async function unregisterProvider(access: RegistryAccess, options: RecordSelector = {}): Promise<ProviderRecord> {
  const record = await current(access, options.nodeKey);
  if (!record) throw notRegistered(options.nodeKey);
  if (record.status === 'unbonding') {
    throw new CocoonError('INVALID_INPUT', 'The registration is already unbonding.', {hint: `Withdraw after ${new Date(record.unlockAt * 1000).toISOString()} with \`cocoon provide withdraw\`.`});
  }
  await open(access).sendUnregister(access.sender, {value: OPERATION_VALUE, nodeKey: record.nodeKey});
  return (await current(access, record.nodeKey))!;
}

/** Take one record's stake back after unbonding; that record is deleted. */
export async function withdrawStake(access: RegistryAccess, options: RecordSelector & {now?: number} = {}): Promise<{stake: bigint}> {
  const record = await current(access, options.nodeKey);
  if (!record) throw notRegistered(options.nodeKey);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (record.status !== 'unbonding') throw new CocoonError('INVALID_INPUT', 'The registration is active.', {hint: 'Run `cocoon provide unregister` first.'});
  if (now < record.unlockAt) {
    throw new CocoonError('INVALID_INPUT', `The stake unlocks at ${new Date(record.unlockAt * 1000).toISOString()} (in ${record.unlockAt - now} s).`, {hint: 'Try again after that.'});
  }
  await open(access).sendWithdraw(access.sender, {value: OPERATION_VALUE, nodeKey: record.nodeKey});
  return {stake: record.stake};
}
