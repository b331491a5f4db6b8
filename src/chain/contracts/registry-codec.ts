// Cell layouts of the registry: the only place besides contracts/registry.tolk
// that knows them. Every store/load pair carries its TL-B.
import {Address, beginCell, Dictionary, type Builder, type Cell, type DictionaryValue, type Slice} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {RegistryConst} from './constants.js';
import {loadExtension, storeExtension, type ProviderExtension} from './registry-extension.js';

/** Parameters only the registry owner may change. */
export interface RegistryParams {
  /** Smallest stake (nanoGRAM) a registration must leave after its gas fee. */
  minStake: bigint;
  /** Seconds between unregistering and being able to withdraw the stake (at most 30 days). */
  unbondingDelay: number;
}

/** What a provider publishes about itself (register and update carry the same). */
export interface ProviderProfile {
  /** Node Ed25519 public key (32 bytes): signs receipts and live info. */
  nodeKey: Buffer;
  /** Node X25519 public key (32 bytes): consumers encrypt queries to it. */
  encryptionKey: Buffer;
  /** Where the node listens, e.g. `http://203.0.113.7:8080`. */
  endpoint: string;
  /** Model architecture, e.g. `llama`, `qwen`, `deepseek`. */
  architecture: string;
  /** Model name as the provider serves it. */
  model: string;
  /** SHA-256 of the model file (32 bytes). */
  modelHash: Buffer;
  /** Context size in tokens. */
  contextSize: number;
  /** Average number of queries a day the provider can take. */
  queriesPerDay: number;
  /** nanoTON per prompt token (below 2^64). */
  promptPrice: bigint;
  /** nanoGRAM per completion token (below 2^64). */
  completionPrice: bigint;
  /** Later fields (credit cap, libp2p, kind, reasoning price, audit): see registry-extension.ts. */
  extension?: ProviderExtension;
}

/** Lifecycle of a record. */
export type ProviderStatus = 'active' | 'unbonding';

/** One registry record as stored on chain. */
export interface ProviderRecord extends ProviderProfile {
  /** Wallet that registered and owns the record; one wallet may own many (one per node key, the dictionary key). */
  owner: Address;
  status: ProviderStatus;
  /** Stake held by the registry, nanoGRAM. */
  stake: bigint;
  /** Unix seconds. */
  registeredAt: number;
  updatedAt: number;
  /** When the stake can be withdrawn (0 while active). */
  unlockAt: number;
  /** Rent is prepaid until then (unix seconds); anyone may evict the record a grace period later. Absent on v1 data. */
  paidUntil?: number;
  /** The record's rent per 65,536 s, nanoGRAM, when it was last written. */
  rentRate?: bigint;
}

/** Bytes available to the three texts (one 1023-bit cell minus three length bytes). */
export const MAX_TEXT_BYTES = 124;

const MAX_PRICE = (1n << 64n) - 1n;

function key32(name: string, value: Buffer): Buffer {
  if (value.length !== 32) throw new CocoonError('INVALID_INPUT', `${name} must be 32 bytes, got ${value.length}`);
  return value;
}

/**
 * texts$_ arch_len:uint8 arch:(arch_len * uint8) model_len:uint8 model:(model_len * uint8)
 *         endpoint_len:uint8 endpoint:(endpoint_len * uint8) = ProviderTexts;
 */
export function storeTexts(p: Pick<ProviderProfile, 'architecture' | 'model' | 'endpoint'>): Cell {
  const parts = [p.architecture, p.model, p.endpoint].map((t) => Buffer.from(t, 'utf8'));
  const total = parts.reduce((n, b) => n + b.length, 0);
  if (total > MAX_TEXT_BYTES || parts.some((b) => b.length > 255)) {
    throw new CocoonError('INVALID_INPUT', `architecture, model and endpoint take ${total} bytes; at most ${MAX_TEXT_BYTES} fit in a record`, {
      hint: 'Shorten the model name or the endpoint.',
    });
  }
  const b = beginCell();
  for (const part of parts) b.storeUint(part.length, 8).storeBuffer(part);
  return b.endCell();
}

function loadText(s: Slice): string {
  return s.loadBuffer(s.loadUint(8)).toString('utf8');
}

/**
 * provider_meta$_ enc_key:bits256 model_hash:bits256 texts:^ProviderTexts
 *                 ext:(Maybe ^ProviderExtension) = ProviderMeta;
 */
export function storeMeta(p: ProviderProfile): Cell {
  return beginCell()
    .storeBuffer(key32('encryptionKey', p.encryptionKey))
    .storeBuffer(key32('modelHash', p.modelHash))
    .storeRef(storeTexts(p))
    .storeMaybeRef(storeExtension(p.extension))
    .endCell();
}

function loadMeta(s: Slice): Pick<ProviderProfile, 'encryptionKey' | 'modelHash' | 'architecture' | 'model' | 'endpoint' | 'extension'> {
  const encryptionKey = s.loadBuffer(32);
  const modelHash = s.loadBuffer(32);
  const texts = s.loadRef().beginParse();
  const architecture = loadText(texts);
  const model = loadText(texts);
  const endpoint = loadText(texts);
  const ext = s.loadMaybeRef();
  return {encryptionKey, modelHash, architecture, model, endpoint, ...(ext ? {extension: loadExtension(ext.beginParse())} : {})};
}

/**
 * profile$_ node_key:bits256 prompt_price:Coins completion_price:Coins
 *           context_size:uint32 queries_per_day:uint32 meta:^ProviderMeta = ProviderProfile;
 */
export function storeProfile(p: ProviderProfile): (b: Builder) => void {
  if (p.promptPrice < 0n || p.promptPrice > MAX_PRICE || p.completionPrice < 0n || p.completionPrice > MAX_PRICE) {
    throw new CocoonError('INVALID_INPUT', 'prices must be between 0 and 2^64-1 nanoTON per token');
  }
  return (b) => {
    b.storeBuffer(key32('nodeKey', p.nodeKey))
      .storeCoins(p.promptPrice)
      .storeCoins(p.completionPrice)
      .storeUint(p.contextSize, 32)
      .storeUint(p.queriesPerDay, 32)
      .storeRef(storeMeta(p));
  };
}

/**
 * provider$_ owner:MsgAddressInt status:uint2 stake:Coins paid_until:uint32 rate:Coins
 *   prompt_price:Coins completion_price:Coins context_size:uint32 queries_per_day:uint32
 *   registered_at:uint32 updated_at:uint32 unlock_at:uint32 meta:^ProviderMeta = Provider;
 * Stored in the shard's dictionary leaf; the node key is the key.
 */
export function loadProvider(s: Slice, nodeKey: Buffer): ProviderRecord {
  const owner = s.loadAddress();
  const statusCode = s.loadUint(2);
  const stake = s.loadCoins();
  const paidUntil = s.loadUint(32);
  const rentRate = s.loadCoins();
  const promptPrice = s.loadCoins();
  const completionPrice = s.loadCoins();
  const contextSize = s.loadUint(32);
  const queriesPerDay = s.loadUint(32);
  const registeredAt = s.loadUint(32);
  const updatedAt = s.loadUint(32);
  const unlockAt = s.loadUint(32);
  const meta = loadMeta(s.loadRef().beginParse());
  const status: ProviderStatus = statusCode === RegistryConst.STATUS_UNBONDING ? 'unbonding' : 'active';
  return {
    owner, status, stake, paidUntil, rentRate, promptPrice, completionPrice, contextSize, queriesPerDay,
    registeredAt, updatedAt, unlockAt, nodeKey, ...meta,
  };
}

/** Inverse of loadProvider (tests, benches and genesis fixtures build records with it). */
export function storeProvider(r: ProviderRecord): (b: Builder) => void {
  return (b) => {
    b.storeAddress(r.owner)
      .storeUint(r.status === 'unbonding' ? RegistryConst.STATUS_UNBONDING : RegistryConst.STATUS_ACTIVE, 2)
      .storeCoins(r.stake)
      .storeUint(r.paidUntil ?? 0, 32)
      .storeCoins(r.rentRate ?? 1n)
      .storeCoins(r.promptPrice)
      .storeCoins(r.completionPrice)
      .storeUint(r.contextSize, 32)
      .storeUint(r.queriesPerDay, 32)
      .storeUint(r.registeredAt, 32)
      .storeUint(r.updatedAt, 32)
      .storeUint(r.unlockAt, 32)
      .storeRef(storeMeta(r));
  };
}

/**
 * Dictionary value codec for a shard's map (the node key is the key, and goes
 * back into the record). The contract bounds a record's cells but not the texts'
 * inner layout, so a record whose texts do not parse yields just its owner: one
 * bad registrant must not break discovery for everyone.
 */
export const ProviderValue: DictionaryValue<Omit<ProviderRecord, 'nodeKey'> | Address> = {
  serialize: (record, b) => {
    if (record instanceof Address) throw new CocoonError('INVALID_INPUT', 'cannot store an unparsable provider record');
    storeProvider({...record, nodeKey: Buffer.alloc(32)})(b);
  },
  parse: (s) => {
    const owner = s.clone().loadAddress();
    try {
      const {nodeKey: _key, ...rest} = loadProvider(s, Buffer.alloc(32));
      return rest;
    } catch {
      return owner;
    }
  },
};

/** Dictionary key of a record: the node's Ed25519 key as a 256-bit unsigned integer. */
export function nodeKeyToBigint(nodeKey: Buffer): bigint {
  return BigInt(`0x${key32('nodeKey', nodeKey).toString('hex')}`);
}

/** Inverse of nodeKeyToBigint. */
export function bigintToNodeKey(n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
}

/** registry_params$_ min_stake:Coins unbonding_delay:uint32 = RegistryParams; */
export function storeParams(p: RegistryParams): (b: Builder) => void {
  return (b) => {
    b.storeCoins(p.minStake).storeUint(p.unbondingDelay, 32);
  };
}

/** Inverse of storeParams. */
export function loadParams(s: Slice): RegistryParams {
  return {minStake: s.loadCoins(), unbondingDelay: s.loadUint(32)};
}

/** How a registry shard is configured at deployment: all of it is part of its address. */
export interface RegistryConfig {
  /** The owner at genesis: the only address that may change the parameters or hand the ownership on. */
  owner: Address;
  /** Genesis parameters (set_params changes them later without moving the address). */
  params: RegistryParams;
  /** The model this shard holds; '' for a general shard any model may use (the devnet's genesis registry). */
  model?: string;
  /** Index of this shard among the model's (0, 1, …). */
  shardIndex?: number;
  /** The registry index the shard announces itself to; default the one derived from owner and params (registry-shards.ts). */
  directory?: Address;
  /** Records to start with: benchmarks and fixtures only, a real shard starts empty. */
  providers?: ProviderRecord[];
}

/** Longest model name a shard id holds, in UTF-8 bytes (the id cell also holds the directory address). */
export const MAX_MODEL_BYTES = 90;

/** shard_id$_ index:uint16 model_len:uint8 model:(model_len * uint8) directory:MsgAddressInt = ShardId; */
export function shardIdCell(model: string, index: number, directory: Address): Cell {
  const bytes = Buffer.from(model, 'utf8');
  if (bytes.length > MAX_MODEL_BYTES) throw new CocoonError('INVALID_INPUT', `model name takes more than ${MAX_MODEL_BYTES} bytes`);
  if (!Number.isInteger(index) || index < 0 || index > 0xffff) throw new CocoonError('INVALID_INPUT', `shard index ${index} is outside 0..65535`);
  return beginCell().storeUint(index, 16).storeUint(bytes.length, 8).storeBuffer(bytes).storeAddress(directory).endCell();
}

/** Inverse of shardIdCell. */
export function loadShardId(s: Slice): {model: string; shardIndex: number; directory: Address} {
  const shardIndex = s.loadUint(16);
  const model = s.loadBuffer(s.loadUint(8)).toString('utf8');
  return {shardIndex, model, directory: s.loadAddress()};
}

/** A shard's records as a dictionary keyed by node key. */
export function providerDict(providers: ProviderRecord[]): Dictionary<bigint, Omit<ProviderRecord, 'nodeKey'> | Address> {
  const dict = Dictionary.empty(Dictionary.Keys.BigUint(256), ProviderValue);
  for (const {nodeKey, ...record} of providers) dict.set(nodeKeyToBigint(nodeKey), record);
  return dict;
}

/**
 * Initial data of a registry shard (registry-index.tolk rebuilds the same cell,
 * with no records, to check an announcement).
 * registry$_ owner:MsgAddressInt params:RegistryParams count:uint32 total_staked:Coins
 *   shard:^ShardId announced:Bool pending_owner:(Maybe ^MsgAddressInt)
 *   providers:(HashmapE 256 Provider) = RegistryStorage;
 * `directory` is required here; Registry.createFromConfig fills in the derived one.
 * A shard seeded with records (benches) counts as announced.
 */
export function registryConfigToCell(config: RegistryConfig & {directory: Address}): Cell {
  const providers = config.providers ?? [];
  const staked = providers.reduce((n, p) => n + p.stake, 0n);
  return beginCell()
    .storeAddress(config.owner)
    .store(storeParams(config.params))
    .storeUint(providers.length, 32)
    .storeCoins(staked)
    .storeRef(shardIdCell(config.model ?? '', config.shardIndex ?? 0, config.directory))
    .storeBit(providers.length > 0)
    .storeMaybeRef(null)
    .storeDict(providerDict(providers))
    .endCell();
}
