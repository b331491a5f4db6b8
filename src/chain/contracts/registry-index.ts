import {Cell, contractAddress, SendMode, TupleBuilder, beginCell, type Address, type Contract, type ContractProvider, type Sender} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {contractCode} from './code.js';
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
