import {beginCell, Cell, contractAddress, SendMode, type Address, type Contract, type ContractProvider, type Sender} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {channelConfigToCell, loadChannelState, type ChannelConfig, type ChannelState} from './channel-codec.js';
import {contractCode} from './code.js';
import {ChannelOp} from './constants.js';

/** Options common to every channel message. */
export interface ChannelSendOptions {
  /** nanoTON attached. Open and top-up credit it (less gas); claims pay their gas from it. */
  value: bigint;
  /** Echoed in payouts and refunds; defaults to 0. */
  queryId?: bigint;
}

/** A signed cumulative amount: a voucher for claims, a close agreement for cooperative closes. */
export interface SignedAmount {
  /** Cumulative nanoTON owed to the provider. */
  amount: bigint;
  /** The consumer's 64-byte Ed25519 signature. */
  signature: Buffer;
}

function body(op: number, queryId: bigint | undefined): ReturnType<typeof beginCell> {
  return beginCell().storeUint(op, 32).storeUint(queryId ?? 0n, 64);
}

function signed(op: number, opts: ChannelSendOptions & SignedAmount): Cell {
  if (opts.signature.length !== 64) throw new CocoonError('INVALID_INPUT', 'signature must be 64 bytes');
  return body(op, opts.queryId).storeCoins(opts.amount).storeBuffer(opts.signature).endCell();
}

/**
 * Wrapper of the payment channel (contracts/channel.tolk) in blueprint's shape.
 * The first message sent through a provider carries the StateInit, so `sendOpen`
 * deploys a new channel.
 */
export class Channel implements Contract {
  constructor(
    readonly address: Address,
    readonly init?: {code: Cell; data: Cell},
  ) {}

  /** A channel already deployed at `address`. */
  static createFromAddress(address: Address): Channel {
    return new Channel(address);
  }

  /** The channel for (consumer, provider, key, delay, network): its address follows from code + config. */
  static createFromConfig(config: ChannelConfig, code: Cell = contractCode('channel'), workchain = 0): Channel {
    const init = {code, data: channelConfigToCell(config)};
    return new Channel(contractAddress(workchain, init), init);
  }

  /**
   * open#c0c00101 query_id:uint64 = ChannelMsg; consumer only, deploys if needed.
   * Credits value − gas fee − storage reserve (0.005 TON, refunded at close).
   */
  async sendOpen(provider: ContractProvider, via: Sender, opts: ChannelSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(ChannelOp.OpenChannel, opts.queryId).endCell()});
  }

  /** top_up#c0c00102 query_id:uint64 = ChannelMsg; consumer only, while open; credits value − gas fee. */
  async sendTopUp(provider: ContractProvider, via: Sender, opts: ChannelSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(ChannelOp.TopUpChannel, opts.queryId).endCell()});
  }

  /**
   * claim#c0c00103 query_id:uint64 amount:Coins signature:bits512 = ChannelMsg;
   * provider only; pays amount − paid plus the unspent value (payout#c0c00111).
   */
  async sendClaim(provider: ContractProvider, via: Sender, opts: ChannelSendOptions & SignedAmount): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: signed(ChannelOp.ClaimVoucher, opts)});
  }

  /**
   * ext_claim#c0c00107 amount:Coins signature:bits512 = ChannelExtMsg;
   * The same claim as an external message: no wallet transaction. The payout
   * (ext_payout#c0c00113) carries `due − cost` and pays its own forward fee
   * (externalClaimSplit in claim-fees.ts has the numbers); a claim whose due does
   * not exceed the threshold is refused before ACCEPT (nothing on chain). Anyone
   * may push it; the payout always goes to the provider. Never attach a
   * StateInit: the channel refuses it.
   */
  async sendExternalClaim(provider: ContractProvider, opts: SignedAmount): Promise<void> {
    if (opts.signature.length !== 64) throw new CocoonError('INVALID_INPUT', 'signature must be 64 bytes');
    await provider.external(beginCell().storeUint(ChannelOp.ExternalClaim, 32).storeCoins(opts.amount).storeBuffer(opts.signature).endCell());
  }

  /** start_close#c0c00104 query_id:uint64 = ChannelMsg; consumer only; claims stay open until now + closeDelay. */
  async sendStartClose(provider: ContractProvider, via: Sender, opts: ChannelSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(ChannelOp.StartClose, opts.queryId).endCell()});
  }

  /** finish_close#c0c00105 query_id:uint64 = ChannelMsg; either party, after the unlock time; refunds the consumer (refund#c0c00112). */
  async sendFinishClose(provider: ContractProvider, via: Sender, opts: ChannelSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(ChannelOp.FinishClose, opts.queryId).endCell()});
  }

  /**
   * coop_close#c0c00106 query_id:uint64 amount:Coins signature:bits512 = ChannelMsg;
   * sent by the provider with the consumer's close signature: pays, refunds and closes at once.
   */
  async sendCooperativeClose(provider: ContractProvider, via: Sender, opts: ChannelSendOptions & SignedAmount): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: signed(ChannelOp.CooperativeClose, opts)});
  }

  /**
   * The whole channel state, parsed from the account data (one getState; the
   * contract has no get-method, which keeps its code and every open smaller).
   * Throws NOT_FOUND when no contract is deployed at the address.
   */
  async getState(provider: ContractProvider): Promise<ChannelState> {
    const state = await provider.getState();
    if (state.state.type !== 'active' || !state.state.data) {
      throw new CocoonError('NOT_FOUND', `no channel is deployed at ${this.address.toString()}`);
    }
    return loadChannelState(Cell.fromBoc(state.state.data)[0]!.beginParse());
  }

  /** The channel account's balance in nanoTON (0 when not deployed). */
  async getBalance(provider: ContractProvider): Promise<bigint> {
    return (await provider.getState()).balance;
  }
}
