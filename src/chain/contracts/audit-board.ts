import {beginCell, Cell, contractAddress, SendMode, TupleBuilder, type Address, type Contract, type ContractProvider, type Sender} from '@ton/core';
import {contractCode} from './code.js';
import {AuditBoardConst, AuditBoardOp} from './constants.js';
import {
  auditorKey,
  boardData,
  readBoardData,
  reportKey,
  storeReportBody,
  urlCell,
  type BoardAuditor,
  type BoardConfig,
  type BoardSnapshot,
  type ReportBody,
} from './audit-board-codec.js';

/** Options common to every board message. */
export interface BoardSendOptions {
  /** nanoGRAM attached: the gas fee, and where noted stake and prepaid rent. */
  value: bigint;
  /** Echoed in replies; defaults to 0. */
  queryId?: bigint;
}

/** The board's parameters and fees (get_board_params). */
export interface BoardInfo {
  minStake: bigint;
  unbondingDelay: number;
  count: number;
  totalStaked: bigint;
  /** Gas fee a join keeps out of its value. */
  joinFee: bigint;
  /** Gas fee a publish keeps out of its value (the rest prepays rent). */
  publishFee: bigint;
}

const YEAR = 365 * 24 * 3600;

/** The unbonding delay of every registry's audit board: a week, so a report can be answered before its stake leaves. */
export const BOARD_UNBONDING_DELAY = 7 * 24 * 3600;

/** The audit board of the registry whose index is `index`: its minimum stake is the registry's, its delay a week. */
export function auditBoardOf(index: Address, genesis: {params: {minStake: bigint}}): AuditBoard {
  return AuditBoard.createFromConfig({directory: index, params: {minStake: genesis.params.minStake, unbondingDelay: BOARD_UNBONDING_DELAY}});
}

/** nanoGRAM that prepay `seconds` (and one more) at `rate` per 65,536 s, rounded up. */
export function rentFor(rate: bigint, seconds: number): bigint {
  return (BigInt(seconds + 1) * rate + 65535n) / 65536n;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function body(op: number, queryId = 0n) {
  return beginCell().storeUint(op, 32).storeUint(queryId, 64);
}

/**
 * Wrapper of the audit board (contracts/audit-board.tolk): staked auditors
 * publish one summary per provider node they audited; the evidence bundle it
 * names (by SHA-256) lets anyone re-verify it. Opened with createFromConfig, the
 * first message carries the StateInit
 * and deploys it; quotes need a deployed board, so deploy with sendDeploy first.
 */
export class AuditBoard implements Contract {
  constructor(
    readonly address: Address,
    readonly init?: {code: Cell; data: Cell},
  ) {}

  static createFromAddress(address: Address): AuditBoard {
    return new AuditBoard(address);
  }

  /** The board of the registry index `config.directory` with these parameters. */
  static createFromConfig(config: BoardConfig, workchain = 0): AuditBoard {
    const init = {code: contractCode('audit-board'), data: boardData(config)};
    return new AuditBoard(contractAddress(workchain, init), init);
  }

  /** Deploys with an empty body; the value feeds the rent pool (the code's own storage). */
  async sendDeploy(provider: ContractProvider, via: Sender, value: bigint): Promise<void> {
    await provider.internal(via, {value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: beginCell().endCell()});
  }

  /**
   * join#c0c00031 query_id:uint64 stake:Coins url:^Url: value = stake + joinFee +
   * prepaid rent (30 days .. 10 years at get_auditor_rate(url, 0)). No reply.
   */
  async sendJoin(provider: ContractProvider, via: Sender, opts: BoardSendOptions & {stake: bigint; url: string}): Promise<void> {
    const b = body(AuditBoardOp.JoinBoard, opts.queryId).storeCoins(opts.stake).storeRef(urlCell(opts.url)).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /**
   * publish#c0c00032 query_id:uint64 node_key:bits256 report:^ReportBody: all of
   * the value beyond publishFee prepays rent (the report adds its own share of the
   * rate from now on). Publishing again for a node replaces its report.
   */
  async sendPublish(provider: ContractProvider, via: Sender, opts: BoardSendOptions & {nodeKey: Buffer; report: ReportBody}): Promise<void> {
    const b = body(AuditBoardOp.PublishReport, opts.queryId)
      .storeUint(reportKey(opts.nodeKey), 256)
      .storeRef(beginCell().store(storeReportBody(opts.report)).endCell())
      .endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** retract#c0c00033: deletes the sender's report on a node; the excess comes back. */
  async sendRetract(provider: ContractProvider, via: Sender, opts: BoardSendOptions & {nodeKey: Buffer}): Promise<void> {
    const b = body(AuditBoardOp.RetractReport, opts.queryId).storeUint(reportKey(opts.nodeKey), 256).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** pay_rent#c0c00034: anyone extends an auditor's rent with all of the value beyond the fee. */
  async sendPayRent(provider: ContractProvider, via: Sender, opts: BoardSendOptions & {auditor: Address}): Promise<void> {
    const b = body(AuditBoardOp.PayAuditorRent, opts.queryId).storeUint(auditorKey(opts.auditor), 256).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  /** top_up#c0c00035: the sender's stake grows by the value beyond the fee. */
  async sendTopUp(provider: ContractProvider, via: Sender, opts: BoardSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(AuditBoardOp.TopUpAuditorStake, opts.queryId).endCell()});
  }

  /** leave#c0c00036: starts the unbonding delay; no more publishing. */
  async sendLeave(provider: ContractProvider, via: Sender, opts: BoardSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(AuditBoardOp.LeaveBoard, opts.queryId).endCell()});
  }

  /** withdraw#c0c00037: after the delay, the stake (less any rent overrun) comes back and the reports go. */
  async sendWithdraw(provider: ContractProvider, via: Sender, opts: BoardSendOptions): Promise<void> {
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: body(AuditBoardOp.WithdrawAuditorStake, opts.queryId).endCell()});
  }

  /** evict#c0c00038: anyone removes an auditor whose rent ran out a grace period ago; its stake less the overrun goes back to it. */
  async sendEvict(provider: ContractProvider, via: Sender, opts: BoardSendOptions & {auditor: Address}): Promise<void> {
    const b = body(AuditBoardOp.EvictAuditor, opts.queryId).storeUint(auditorKey(opts.auditor), 256).endCell();
    await provider.internal(via, {value: opts.value, sendMode: SendMode.PAY_GAS_SEPARATELY, body: b});
  }

  async getParams(provider: ContractProvider): Promise<BoardInfo> {
    const {stack} = await provider.get('get_board_params', []);
    return {
      minStake: stack.readBigNumber(),
      unbondingDelay: stack.readNumber(),
      count: stack.readNumber(),
      totalStaked: stack.readBigNumber(),
      joinFee: stack.readBigNumber(),
      publishFee: stack.readBigNumber(),
    };
  }

  /** Rent per 65,536 s of an auditor with this URL and this many reports (get_auditor_rate). */
  async getAuditorRate(provider: ContractProvider, url: string, reports: number): Promise<bigint> {
    const args = new TupleBuilder();
    args.writeCell(urlCell(url));
    args.writeNumber(reports);
    const {stack} = await provider.get('get_auditor_rate', args.build());
    return stack.readBigNumber();
  }

  /**
   * What to attach to join with `stake`, prepaying `rentSeconds` (default a year)
   * of the record's rent. One second more than asked: the contract rounds down.
   */
  async getJoinQuote(provider: ContractProvider, opts: {stake: bigint; url: string; rentSeconds?: number}): Promise<{value: bigint; fee: bigint; rent: bigint; rate: bigint}> {
    const {joinFee: fee} = await this.getParams(provider);
    const rate = await this.getAuditorRate(provider, opts.url, 0);
    const rent = rentFor(rate, opts.rentSeconds ?? YEAR);
    return {value: opts.stake + fee + rent, fee, rent, rate};
  }

  /**
   * What to attach to a publish by `auditor` so that, with `reports` reports
   * afterwards, its rent stays prepaid for at least `rentSeconds` from `now`
   * (default: as long as it is now, and at least 30 days).
   */
  async getPublishQuote(provider: ContractProvider, opts: {auditor: BoardAuditor; reports: number; now: number; rentSeconds?: number}): Promise<{value: bigint; fee: bigint; rent: bigint; rate: bigint}> {
    const {publishFee: fee} = await this.getParams(provider);
    const rate = await this.getAuditorRate(provider, opts.auditor.url, opts.reports);
    const seconds = Math.max(opts.rentSeconds ?? opts.auditor.paidUntil - opts.now, AuditBoardConst.MIN_RENT_PERIOD);
    // What is still prepaid at the old rate counts; the contract floors it, so one nanoGRAM less.
    const left = (BigInt(opts.auditor.paidUntil - opts.now) * opts.auditor.rate) / 65536n - 1n;
    const rent = maxBig(rentFor(rate, seconds) - left, 0n);
    return {value: fee + rent, fee, rent, rate};
  }

  /** Every auditor and report from one read of the account data; null while the board is not deployed. */
  async getSnapshot(provider: ContractProvider): Promise<BoardSnapshot | null> {
    const state = await provider.getState();
    if (state.state.type !== 'active' || !state.state.data) return null;
    return readBoardData(Cell.fromBoc(state.state.data)[0]!);
  }
}
