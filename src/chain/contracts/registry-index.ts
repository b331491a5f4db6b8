import {Cell, contractAddress, SendMode, TupleBuilder, beginCell, type Address, type Contract, type ContractProvider, type Sender} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {contractCode} from './code.js';
import {loadParams} from './registry-codec.js';
import {modelKey, readIndexData, registryIndexInit, type IndexedModel, type RegistryGenesis} from './registry-index-codec.js';
import {Registry} from './registry.js';

/**
 * Wrapper of the registry index (contracts/registry-index.tolk): one small
 * account listing every model and its shard count. `shard()` derives the
 * address of any shard of the same registry, so discovery of one model reads
 * the index once and then only that model's shards.
 */
export class RegistryIndex implements Contract {
  constructor(
    readonly address: Address,
    readonly init?: {code: Cell; data: Cell},
    readonly genesis?: RegistryGenesis,
  ) {}

  /** An index already deployed at `address`; pass its genesis to derive shard addresses from it. */
  static createFromAddress(address: Address, genesis?: RegistryGenesis): RegistryIndex {
    return new RegistryIndex(address, undefined, genesis);
  }

  /** The index of the registry with this genesis owner and parameters. */
  static createFromConfig(genesis: RegistryGenesis, models: IndexedModel[] = [], workchain = 0): RegistryIndex {
    const init = registryIndexInit(genesis, contractCode('registry'), models);
    // Seeded entries change the data, not the address a client derives: benches only.
    const address = contractAddress(workchain, models.length === 0 ? init : registryIndexInit(genesis));
    return new RegistryIndex(address, init, genesis);
  }

  /** Shard `index` of `model` of this registry (its address, and StateInit to deploy it). */
  shard(model: string, index: number): Registry {
    if (!this.genesis) throw new CocoonError('INVALID_INPUT', 'this index was opened by address: its genesis is unknown');
    return Registry.createFromConfig({...this.genesis, model, shardIndex: index, directory: this.address});
  }

  /** Deploys the index with an empty body; the value pays its rent. */
  async sendDeploy(provider: ContractProvider, via: Sender, value: bigint): Promise<void> {
    await provider.internal(via, {value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: beginCell().endCell()});
  }

  /** Every listed model with its shard count, from one read of the account data. */
  async getModels(provider: ContractProvider): Promise<IndexedModel[]> {
    const state = await provider.getState();
    if (state.state.type !== 'active' || !state.state.data) return [];
    return readIndexData(Cell.fromBoc(state.state.data)[0]!);
  }

  /** Shards of one model (get_model_shards); 0 when it is not listed. */
  async getModelShards(provider: ContractProvider, model: string): Promise<number> {
    const args = new TupleBuilder();
    args.writeNumber(modelKey(model));
    const {stack} = await provider.get('get_model_shards', args.build());
    return stack.readNumber();
  }
}

/**
 * What a shard's first registration adds for its announcement to the index
 * (ANNOUNCE_VALUE in contracts/registry.tolk): part of the quote of a
 * registration into a shard not deployed yet, which cannot be asked.
 */
export const SHARD_ANNOUNCE_VALUE = 10_000_000n;

/** The genesis owner and parameters an index's data cell holds (readIndexData skips them). */
export function readIndexGenesis(data: Cell): RegistryGenesis {
  const s = data.beginParse();
  return {owner: s.loadAddress(), params: loadParams(s)};
}

/** A registry's index as one read of its account data shows it: the genesis (so shards derive) and the models. */
export interface IndexView {
  index: RegistryIndex;
  models: IndexedModel[];
}

/** The index at `address` from its data cell: its genesis, so `shard()` derives addresses, and every listed model. */
export function indexFromData(address: Address, data: Cell): IndexView {
  return {index: RegistryIndex.createFromAddress(address, readIndexGenesis(data)), models: readIndexData(data)};
}

/** One shard a reader needs: its model, index and address. */
export interface ShardRef {
  model: string;
  shardIndex: number;
  address: Address;
}

/**
 * The shards the index lists that a reader of `model` needs: that model's
 * shards (the name compared case-insensitively, as discovery's filter does)
 * plus the general model's ('') beyond shard 0; every listed shard without a
 * model. Shard 0 of the general model (the registry address clients are
 * configured with) is left out: the caller reads it anyway.
 */
export function shardsToRead(view: IndexView, model?: string): ShardRef[] {
  const wanted = model?.toLowerCase();
  const out: ShardRef[] = [];
  for (const entry of view.models) {
    if (wanted !== undefined && entry.model !== '' && entry.model.toLowerCase() !== wanted) continue;
    for (let i = entry.model === '' ? 1 : 0; i < entry.shards; i++) {
      out.push({model: entry.model, shardIndex: i, address: view.index.shard(entry.model, i).address});
    }
  }
  return out;
}
