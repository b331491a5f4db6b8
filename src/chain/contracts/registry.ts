import {
  Address,
  beginCell,
  Cell,
  contractAddress,
  SendMode,
  TupleBuilder,
  type Contract,
  type ContractProvider,
  type Sender,
} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {contractCode} from './code.js';
import {RegistryOp} from './constants.js';
import {
  loadProvider,
  nodeKeyToBigint,
  registryConfigToCell,
  storeMeta,
  storeParams,
  storeProfile,
  type ProviderProfile,
  type ProviderRecord,
  type RegistryConfig,
  type RegistryParams,
} from './registry-codec.js';
import {registryIndexAddress} from './registry-index-codec.js';
import {readRegistryData, type RegistrySnapshot} from './registry-reader.js';

/** Options common to every registry message. */
export interface RegistrySendOptions {
  /** nanoGRAM attached; it pays the gas (the excess comes back where noted). */
  value: bigint;
  /** Echoed in replies; defaults to 0. */
  queryId?: bigint;
}

/** Options of the messages about one record. */
export interface RecordSendOptions extends RegistrySendOptions {
  /** The record's node key (32 bytes): the dictionary key. */
  nodeKey: Buffer;
}

/** What `get_registry_params` returns. */
export interface RegistryInfo extends RegistryParams {
  owner: Address;
  count: number;
  /** Sum of the stakes the shard holds. */
  totalStaked: bigint;
  /** Records a shard takes before it refuses with SHARD_FULL. */
  capacity: number;
  /** What the next registration adds for announcing the shard to the index (0 once announced). */
  announceValue: bigint;
}

/** The value a registration must attach, and what it is made of. */
export interface RegisterQuote {
  /** Attach exactly this. */
  value: bigint;
  stake: bigint;
  /** Gas fee the shard keeps. */
  fee: bigint;
  /** Forwarded to the index with the shard's announcement (first registration of a shard only). */
  announce: bigint;
  /**
   * What the shard's rent pool is short of its stakes right now, plus a 0.01 GRAM
   * buffer (0 when it is not short): the registration refills the pool first
   * (a long-idle shard outliving its reserve) instead of bouncing.
   */
  shortfall: bigint;
  /** Prepaid rent: stays in the shard and pays the record's storage until `rentSeconds` from now. */
  rent: bigint;
  rentSeconds: number;
  /** The record's rent per 65,536 s. */
  rate: bigint;
}

/** A year, the rent a registration prepays unless told otherwise. */
export const DEFAULT_RENT_SECONDS = 365 * 24 * 3600;

function body(op: number, queryId: bigint | undefined): ReturnType<typeof beginCell> {
  return beginCell().storeUint(op, 32).storeUint(queryId ?? 0n, 64);
}

function recordBody(op: number, opts: RecordSendOptions): Cell {
  return body(op, opts.queryId).storeUint(nodeKeyToBigint(opts.nodeKey), 256).endCell();
}

/**
 * Wrapper of a provider registry shard (contracts/registry.tolk) in blueprint's
 * shape: works against a @ton/ton client provider and a @ton/sandbox one alike.
 * registry-shards.ts derives the shard addresses of a model.
 */
export class Registry implements Contract {
  constructor(
    readonly address: Address,
    readonly init?: {code: Cell; data: Cell},
  ) {}

  /** A registry shard already deployed at `address`. */
  static createFromAddress(address: Address): Registry {
    return new Registry(address);
  }

  /**
   * A shard to deploy (or to derive the address of): the address follows from the
   * committed code and `config`; the directory defaults to the index derived from
   * owner and params (registry-index.ts).
   */
  static createFromConfig(config: RegistryConfig, code: Cell = contractCode('registry'), workchain = 0): Registry {
    const directory = config.directory ?? registryIndexAddress(config, code, workchain);
    const init = {code, data: registryConfigToCell({...config, directory})};
    return new Registry(contractAddress(workchain, init), init);
  }

  /** Deploys with an empty body; the value feeds the rent pool. */
  async sendDeploy(provider: ContractProvider, via: Sender, value: bigint): Promise<void> {
    await provider.internal(via, {value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: beginCell().endCell()});
  }

  /**
   * register#c0c00001 query_id:uint64 stake:Coins profile:ProviderProfile = RegistryMsg;
   * value = stake + get_register_fee() + prepaid rent (30 days .. 10 years at the
   * record's rate), plus 0.01 GRAM for the index on a shard's first registration:
   * use getRegisterQuote (a new shard is deployed with sendDeploy first). The node key is the record's key, so
   * one wallet registers many nodes. No reply on success.
   */
  async sendRegister(provider: ContractProvider, via: Sender, opts: RegistrySendOptions & {profile: ProviderProfile; stake: bigint}): Promise<void> {
    const b = body(RegistryOp.RegisterProvider, opts.queryId).storeCoins(opts.stake).store(storeProfile(opts.profile)).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /**
   * update#c0c00002 query_id:uint64 rent:Coins profile:ProviderProfile = RegistryMsg;
   * owner of the record keyed by profile.nodeKey. Also the heartbeat: `rent`
   * (default 0) extends the prepaid rent; value − rent − gas fee comes back (excesses).
   */
  async sendUpdate(provider: ContractProvider, via: Sender, opts: RegistrySendOptions & {profile: ProviderProfile; rent?: bigint}): Promise<void> {
    const b = body(RegistryOp.UpdateProvider, opts.queryId).storeCoins(opts.rent ?? 0n).store(storeProfile(opts.profile)).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** pay_rent#c0c0000a query_id:uint64 node_key:uint256 = RegistryMsg; anyone: the value beyond gas extends the record's rent. */
  async sendPayRent(provider: ContractProvider, via: Sender, opts: RecordSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: recordBody(RegistryOp.PayRent, opts)});
  }

  /** top_up#c0c00003 query_id:uint64 node_key:uint256 = RegistryMsg; record owner: the value minus the gas fee joins the stake. */
  async sendTopUp(provider: ContractProvider, via: Sender, opts: RecordSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: recordBody(RegistryOp.TopUpStake, opts)});
  }

  /** unregister#c0c00004 query_id:uint64 node_key:uint256 = RegistryMsg; starts the unbonding delay, replies excesses. */
  async sendUnregister(provider: ContractProvider, via: Sender, opts: RecordSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: recordBody(RegistryOp.Unregister, opts)});
  }

  /** withdraw#c0c00005 query_id:uint64 node_key:uint256 = RegistryMsg; after unbonding: stake less overrun rent + excess (stake_withdrawn#c0c00011). */
  async sendWithdraw(provider: ContractProvider, via: Sender, opts: RecordSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: recordBody(RegistryOp.WithdrawStake, opts)});
  }

  /**
   * evict#c0c00007 query_id:uint64 node_key:uint256 = RegistryMsg; anyone, once the
   * record's rent ran out a grace period ago: its owner gets the stake less the
   * overrun rent (stake_evicted#c0c00012), the sender its excess.
   */
  async sendEvict(provider: ContractProvider, via: Sender, opts: RecordSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: recordBody(RegistryOp.EvictExpired, opts)});
  }

  /** set_params#c0c00006 query_id:uint64 params:RegistryParams = RegistryMsg; owner only, bounded, replies excesses. */
  async sendSetParams(provider: ContractProvider, via: Sender, opts: RegistrySendOptions & {params: RegistryParams}): Promise<void> {
    const b = body(RegistryOp.SetParams, opts.queryId).store(storeParams(opts.params)).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** transfer_ownership#c0c00008 query_id:uint64 new_owner:MsgAddressInt = RegistryMsg; owner only: proposes. */
  async sendTransferOwnership(provider: ContractProvider, via: Sender, opts: RegistrySendOptions & {newOwner: Address}): Promise<void> {
    const b = body(RegistryOp.TransferOwnership, opts.queryId).storeAddress(opts.newOwner).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** accept_ownership#c0c00009 query_id:uint64 = RegistryMsg; the proposed owner only: completes the transfer. */
  async sendAcceptOwnership(provider: ContractProvider, via: Sender, opts: RegistrySendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(RegistryOp.AcceptOwnership, opts.queryId).endCell()});
  }

  /** Owner, parameters, record count, total stake and capacity (get_registry_params). */
  async getParams(provider: ContractProvider): Promise<RegistryInfo> {
    const {stack} = await provider.get('get_registry_params', []);
    return {
      owner: stack.readAddress(),
      minStake: stack.readBigNumber(),
      unbondingDelay: stack.readNumber(),
      count: stack.readNumber(),
      totalStaked: stack.readBigNumber(),
      capacity: stack.readNumber(),
      announceValue: stack.readBigNumber(),
    };
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

  /** The rent per 65,536 s a record with this profile pays, at the current config price (get_record_rate). */
  async getRecordRate(provider: ContractProvider, profile: ProviderProfile): Promise<bigint> {
    const args = new TupleBuilder();
    args.writeCell(storeMeta(profile));
    const {stack} = await provider.get('get_record_rate', args.build());
    return stack.readBigNumber();
  }

  /** What to attach to register `profile` with `stake`, prepaying `rentSeconds` of rent (default a year). */
  async getRegisterQuote(provider: ContractProvider, opts: {profile: ProviderProfile; stake: bigint; rentSeconds?: number}): Promise<RegisterQuote> {
    const fee = await this.getRegisterFee(provider);
    const rate = await this.getRecordRate(provider, opts.profile);
    const {announceValue: announce, totalStaked} = await this.getParams(provider);
    const {balance} = await provider.getState();
    const shortfall = balance < totalStaked ? totalStaked - balance + 10_000_000n : 0n;
    const rentSeconds = opts.rentSeconds ?? DEFAULT_RENT_SECONDS;
    // One second more than asked: the contract rounds the seconds down.
    const rent = (BigInt(rentSeconds + 1) * rate + 65535n) / 65536n;
    return {value: opts.stake + fee + announce + shortfall + rent, stake: opts.stake, fee, announce, shortfall, rent, rentSeconds, rate};
  }

  /**
   * One record (get_provider by node key), or null. Given a wallet address
   * instead, the first of that wallet's records from a full read.
   */
  async getProvider(provider: ContractProvider, key: Buffer | Address): Promise<ProviderRecord | null> {
    if (key instanceof Address) {
      return (await this.getSnapshot(provider)).providers.find((p) => p.owner.equals(key)) ?? null;
    }
    const args = new TupleBuilder();
    args.writeNumber(nodeKeyToBigint(key));
    const {stack} = await provider.get('get_provider', args.build());
    const cell = stack.readCellOpt();
    if (!cell) return null;
    try {
      return loadProvider(cell.beginParse(), key);
    } catch (err) {
      throw new CocoonError('CORRUPT_DATA', `the record of node ${key.toString('hex')} does not parse`, {cause: err});
    }
  }

  /** Every record of the shard in one account-state read, parsed client-side. */
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
