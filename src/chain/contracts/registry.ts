import {
  beginCell,
  Cell,
  contractAddress,
  SendMode,
  TupleBuilder,
  type Address,
  type Contract,
  type ContractProvider,
  type Sender,
} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {contractCode} from './code.js';
import {RegistryOp} from './constants.js';
import {
  loadProvider,
  registryConfigToCell,
  storeParams,
  storeProfile,
  type ProviderProfile,
  type ProviderRecord,
  type RegistryConfig,
  type RegistryParams,
} from './registry-codec.js';
import {readRegistryData, type RegistrySnapshot} from './registry-reader.js';

/** Options common to every registry message. */
export interface RegistrySendOptions {
  /** nanoTON attached; it pays the gas (the excess comes back where noted). */
  value: bigint;
  /** Echoed in replies; defaults to 0. */
  queryId?: bigint;
}

/** What `get_registry_params` returns. */
export interface RegistryInfo extends RegistryParams {
  owner: Address;
  count: number;
}

function body(op: number, queryId: bigint | undefined): ReturnType<typeof beginCell> {
  return beginCell().storeUint(op, 32).storeUint(queryId ?? 0n, 64);
}

/**
 * Wrapper of the provider registry (contracts/registry.tolk) in blueprint's shape:
 * works against a @ton/ton client provider and a @ton/sandbox one alike.
 */
export class Registry implements Contract {
  constructor(
    readonly address: Address,
    readonly init?: {code: Cell; data: Cell},
  ) {}

  /** A registry already deployed at `address`. */
  static createFromAddress(address: Address): Registry {
    return new Registry(address);
  }

  /** A registry to deploy: the address follows from the committed code and `config`. */
  static createFromConfig(config: RegistryConfig, code: Cell = contractCode('registry'), workchain = 0): Registry {
    const init = {code, data: registryConfigToCell(config)};
    return new Registry(contractAddress(workchain, init), init);
  }

  /** Deploys with an empty body; the value becomes the storage reserve. */
  async sendDeploy(provider: ContractProvider, via: Sender, value: bigint): Promise<void> {
    await provider.internal(via, {value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: beginCell().endCell()});
  }

  /**
   * register#c0c00001 query_id:uint64 profile:ProviderProfile = RegistryMsg;
   * Stake = value − get_register_fee(); it must reach minStake. No reply on success.
   */
  async sendRegister(provider: ContractProvider, via: Sender, opts: RegistrySendOptions & {profile: ProviderProfile}): Promise<void> {
    const b = body(RegistryOp.RegisterProvider, opts.queryId).store(storeProfile(opts.profile)).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** update#c0c00002 query_id:uint64 profile:ProviderProfile = RegistryMsg; replies excesses#d53276db. */
  async sendUpdate(provider: ContractProvider, via: Sender, opts: RegistrySendOptions & {profile: ProviderProfile}): Promise<void> {
    const b = body(RegistryOp.UpdateProvider, opts.queryId).store(storeProfile(opts.profile)).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** top_up#c0c00003 query_id:uint64 = RegistryMsg; the value minus the gas fee joins the stake. */
  async sendTopUp(provider: ContractProvider, via: Sender, opts: RegistrySendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(RegistryOp.TopUpStake, opts.queryId).endCell()});
  }

  /** unregister#c0c00004 query_id:uint64 = RegistryMsg; starts the unbonding delay, replies excesses. */
  async sendUnregister(provider: ContractProvider, via: Sender, opts: RegistrySendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(RegistryOp.Unregister, opts.queryId).endCell()});
  }

  /** withdraw#c0c00005 query_id:uint64 = RegistryMsg; after unbonding, pays stake + excess (stake_withdrawn#c0c00011). */
  async sendWithdraw(provider: ContractProvider, via: Sender, opts: RegistrySendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(RegistryOp.WithdrawStake, opts.queryId).endCell()});
  }

  /** set_params#c0c00006 query_id:uint64 params:RegistryParams = RegistryMsg; owner only, replies excesses. */
  async sendSetParams(provider: ContractProvider, via: Sender, opts: RegistrySendOptions & {params: RegistryParams}): Promise<void> {
    const b = body(RegistryOp.SetParams, opts.queryId).store(storeParams(opts.params)).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** Owner, parameters and record count (get_registry_params). */
  async getParams(provider: ContractProvider): Promise<RegistryInfo> {
    const {stack} = await provider.get('get_registry_params', []);
    return {owner: stack.readAddress(), minStake: stack.readBigNumber(), unbondingDelay: stack.readNumber(), count: stack.readNumber()};
  }

  /** Number of records (get_provider_count). */
  async getProviderCount(provider: ContractProvider): Promise<number> {
    const {stack} = await provider.get('get_provider_count', []);
    return stack.readNumber();
  }

  /** Gas fee a registration keeps out of its value, from the chain's current config (get_register_fee). */
  async getRegisterFee(provider: ContractProvider): Promise<bigint> {
    const {stack} = await provider.get('get_register_fee', []);
    return stack.readBigNumber();
  }

  /** One record by owner, or null (get_provider). Prefer getSnapshot to read many. */
  async getProvider(provider: ContractProvider, owner: Address): Promise<ProviderRecord | null> {
    const args = new TupleBuilder();
    args.writeAddress(owner);
    const {stack} = await provider.get('get_provider', args.build());
    const cell = stack.readCellOpt();
    if (!cell) return null;
    try {
      return {owner, ...loadProvider(cell.beginParse())};
    } catch (err) {
      throw new CocoonError('CORRUPT_DATA', `the record of ${owner.toString()} does not parse`, {cause: err});
    }
  }

  /** Every record in one account-state read, parsed client-side. */
  async getSnapshot(provider: ContractProvider): Promise<RegistrySnapshot> {
    const state = await provider.getState();
    if (state.state.type !== 'active' || !state.state.data) {
      throw new CocoonError('NOT_FOUND', `no registry is deployed at ${this.address.toString()}`, {
        hint: 'Check the network and the registry address (on devnet, start it with `cocoon devnet start`).',
      });
    }
    return readRegistryData(Cell.fromBoc(state.state.data)[0]!);
  }
}
