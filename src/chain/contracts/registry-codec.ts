// Cell layouts of the registry: the only place besides contracts/registry.tolk
// that knows them. Every store/load pair carries its TL-B.
import {beginCell, type Address, Dictionary, type Builder, type Cell, type DictionaryValue, type Slice} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {RegistryConst} from './constants.js';

/** Parameters only the registry owner may change. */
export interface RegistryParams {
  /** Smallest stake (nanoTON) a registration must leave after its gas fee. */
  minStake: bigint;
  /** Seconds between unregistering and being able to withdraw the stake. */
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
  /** nanoTON per completion token (below 2^64). */
  completionPrice: bigint;
}

/** Lifecycle of a record. */
export type ProviderStatus = 'active' | 'unbonding';

/** One registry record as stored on chain. */
export interface ProviderRecord extends ProviderProfile {
  /** Wallet that registered and owns the record (the dictionary key). */
  owner: Address;
  status: ProviderStatus;
  /** Stake held by the registry, nanoTON. */
  stake: bigint;
  /** Unix seconds. */
  registeredAt: number;
  updatedAt: number;
  /** When the stake can be withdrawn (0 while active). */
  unlockAt: number;
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

/** provider_meta$_ enc_key:bits256 model_hash:bits256 texts:^ProviderTexts = ProviderMeta; */
export function storeMeta(p: ProviderProfile): Cell {
  return beginCell()
    .storeBuffer(key32('encryptionKey', p.encryptionKey))
    .storeBuffer(key32('modelHash', p.modelHash))
    .storeRef(storeTexts(p))
    .endCell();
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
 * provider$_ status:uint8 stake:Coins prompt_price:Coins completion_price:Coins
 *   context_size:uint32 queries_per_day:uint32 registered_at:uint32 updated_at:uint32
 *   unlock_at:uint32 node_key:bits256 meta:^ProviderMeta = Provider;
 * Stored inline in the registry dictionary's leaf; the owner is the key.
 */
export function loadProvider(s: Slice): Omit<ProviderRecord, 'owner'> {
  const statusCode = s.loadUint(8);
  const stake = s.loadCoins();
  const promptPrice = s.loadCoins();
  const completionPrice = s.loadCoins();
  const contextSize = s.loadUint(32);
  const queriesPerDay = s.loadUint(32);
  const registeredAt = s.loadUint(32);
  const updatedAt = s.loadUint(32);
  const unlockAt = s.loadUint(32);
  const nodeKey = s.loadBuffer(32);
  const meta = s.loadRef().beginParse();
  const encryptionKey = meta.loadBuffer(32);
  const modelHash = meta.loadBuffer(32);
  const texts = meta.loadRef().beginParse();
  const architecture = loadText(texts);
  const model = loadText(texts);
  const endpoint = loadText(texts);
  const status: ProviderStatus = statusCode === RegistryConst.STATUS_UNBONDING ? 'unbonding' : 'active';
  return {
    status, stake, promptPrice, completionPrice, contextSize, queriesPerDay,
    registeredAt, updatedAt, unlockAt, nodeKey, encryptionKey, modelHash, architecture, model, endpoint,
  };
}

/** Inverse of loadProvider (tests and genesis fixtures build records with it). */
export function storeProvider(r: Omit<ProviderRecord, 'owner'>): (b: Builder) => void {
  return (b) => {
    b.storeUint(r.status === 'unbonding' ? RegistryConst.STATUS_UNBONDING : RegistryConst.STATUS_ACTIVE, 8)
      .storeCoins(r.stake)
      .storeCoins(r.promptPrice)
      .storeCoins(r.completionPrice)
      .storeUint(r.contextSize, 32)
      .storeUint(r.queriesPerDay, 32)
      .storeUint(r.registeredAt, 32)
      .storeUint(r.updatedAt, 32)
      .storeUint(r.unlockAt, 32)
      .storeBuffer(key32('nodeKey', r.nodeKey))
      .storeRef(storeMeta(r));
  };
}

/**
 * Dictionary value codec for the provider map (the owner is the key, not part of
 * the value). The contract bounds a record's cells but not the texts' inner
 * layout, so a record whose texts do not parse yields null: one bad registrant
 * must not break discovery for everyone.
 */
export const ProviderValue: DictionaryValue<Omit<ProviderRecord, 'owner'> | null> = {
  serialize: (record, b) => {
    if (!record) throw new CocoonError('INVALID_INPUT', 'cannot store an unparsable provider record');
    storeProvider(record)(b);
  },
  parse: (s) => {
    try {
      return loadProvider(s);
    } catch {
      return null;
    }
  },
};

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

/** How the registry is configured at deployment. */
export interface RegistryConfig {
  /** The only address that may change the parameters. */
  owner: Address;
  params: RegistryParams;
  /** Records to start with: benchmarks and fixtures only, a real registry starts empty. */
  providers?: ProviderRecord[];
}

/**
 * Initial data of a registry.
 * registry$_ owner:MsgAddressInt params:RegistryParams count:uint32
 *            providers:(HashmapE 267 Provider) = RegistryStorage;
 */
export function registryConfigToCell(config: RegistryConfig): Cell {
  const providers = config.providers ?? [];
  const dict = Dictionary.empty(Dictionary.Keys.Address(), ProviderValue);
  for (const {owner, ...record} of providers) dict.set(owner, record);
  return beginCell().storeAddress(config.owner).store(storeParams(config.params)).storeUint(providers.length, 32).storeDict(dict).endCell();
}
