import fs from 'node:fs';
import path from 'node:path';
import {beginCell, toNano, type Address} from '@ton/core';
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

/** The record of `owner`, or null. */
export async function getRegistration(client: ChainClient, registry: Address, owner: Address): Promise<ProviderRecord | null> {
  return client.call(() => client.ton.open(Registry.createFromAddress(registry)).getProvider(owner));
}

async function current(access: RegistryAccess): Promise<ProviderRecord | null> {
  return getRegistration(access.client, access.registry, access.sender.address);
}

function notRegistered(): CocoonError {
  return new CocoonError('NOT_FOUND', 'This wallet has no registration in the registry.', {hint: 'Register with `cocoon provide register`.'});
}

/**
 * A registration recorded before it is sent (`<data>/provider/<network>/registering-<owner>.json`),
 * so the next run can tell "an earlier run's registration landed" from
 * "someone registered this wallet already".
 */
class PendingRegistration {
  private readonly file: string;

  constructor(access: RegistryAccess) {
    const name = `registering-${access.sender.address.toRawString().replace(':', '_')}.json`;
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
  const pending = new PendingRegistration(access);
  const mine = {registry: access.registry.toRawString(), profile: profileHash(options.profile)};
  const earlier = pending.read();
  const existing = await current(access);
  if (existing) {
    if (earlier?.registry === mine.registry && earlier.profile === mine.profile) {
      pending.clear();
      return existing;
    }
    throw new CocoonError('ALREADY_EXISTS', 'This wallet is already registered.', {hint: 'Change the offer with `cocoon provide update`; see it with `cocoon provide status`.'});
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
  return (await current(access))!;
}

/** Replace the offer (keys, endpoint, model, prices, volume). */
export async function updateProvider(access: RegistryAccess, options: {profile: ProviderProfile}): Promise<ProviderRecord> {
  if (!(await current(access))) throw notRegistered();
  await open(access).sendUpdate(access.sender, {value: OPERATION_VALUE, profile: options.profile});
  return (await current(access))!;
}

/** Start unbonding: consumers stop choosing this provider; the stake unlocks after the delay. */
export async function unregisterProvider(access: RegistryAccess): Promise<ProviderRecord> {
  const record = await current(access);
  if (!record) throw notRegistered();
  if (record.status === 'unbonding') {
    throw new CocoonError('INVALID_INPUT', 'The registration is already unbonding.', {hint: `Withdraw after ${new Date(record.unlockAt * 1000).toISOString()} with \`cocoon provide withdraw\`.`});
  }
  await open(access).sendUnregister(access.sender, {value: OPERATION_VALUE, nodeKey: record.nodeKey});
  return (await current(access))!;
}

/** Take the stake back after unbonding; the record is deleted. */
export async function withdrawStake(access: RegistryAccess, options: {now?: number} = {}): Promise<{stake: bigint}> {
  const record = await current(access);
  if (!record) throw notRegistered();
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (record.status !== 'unbonding') throw new CocoonError('INVALID_INPUT', 'The registration is active.', {hint: 'Run `cocoon provide unregister` first.'});
  if (now < record.unlockAt) {
    throw new CocoonError('INVALID_INPUT', `The stake unlocks at ${new Date(record.unlockAt * 1000).toISOString()} (in ${record.unlockAt - now} s).`, {hint: 'Try again after that.'});
  }
  await open(access).sendWithdraw(access.sender, {value: OPERATION_VALUE, nodeKey: record.nodeKey});
  return {stake: record.stake};
}
