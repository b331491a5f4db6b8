// Cell layout of the audit board (contracts/audit-board.tolk), with its TL-B.
import {Address, beginCell, Cell, Dictionary, type Builder, type DictionaryValue, type Slice} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {AuditBoardConst} from './constants.js';
import {loadParams, storeParams, type RegistryParams} from './registry-codec.js';

/** Board parameters, fixed at deployment (part of the address): the auditor's minimum stake and unbonding delay. */
export type BoardParams = RegistryParams;

/** How a board is configured: the registry index it serves and its parameters. */
export interface BoardConfig {
  directory: Address;
  params: BoardParams;
}

/** What an auditor publishes about one provider node. */
export interface ReportBody {
  /** The GGUF SHA-256 (32 bytes) the answers were checked against. */
  modelHash: Buffer;
  challenges: number;
  failures: number;
  /** Unix seconds. */
  periodStart: number;
  periodEnd: number;
  /** SHA-256 (32 bytes) of the evidence bundle's bytes. */
  evidence: Buffer;
}

/** One report as the board keeps it. */
export interface BoardReport extends ReportBody {
  /** The provider node's Ed25519 key (32 bytes): the registry's record key. */
  nodeKey: Buffer;
  publishedAt: number;
}

/** One auditor as the board keeps it. */
export interface BoardAuditor {
  /** The auditor's wallet (basechain). */
  address: Address;
  status: 'active' | 'unbonding';
  stake: bigint;
  paidUntil: number;
  /** Rent per 65,536 s of the record and its reports when last written. */
  rate: bigint;
  joinedAt: number;
  unlockAt: number;
  /** Where the auditor serves evidence bundles: `<url>/<digest hex>.json`. */
  url: string;
  reports: BoardReport[];
}

/** Everything a board holds. */
export interface BoardSnapshot extends BoardConfig {
  count: number;
  totalStaked: bigint;
  auditors: BoardAuditor[];
}

const STATUS: Record<number, BoardAuditor['status']> = {[AuditBoardConst.STATUS_ACTIVE]: 'active', [AuditBoardConst.STATUS_UNBONDING]: 'unbonding'};

function bits256(name: string, value: Buffer): bigint {
  if (value.length !== 32) throw new CocoonError('INVALID_INPUT', `${name} must be 32 bytes, got ${value.length}`);
  return BigInt(`0x${value.toString('hex')}`);
}

function buf256(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/** The evidence URL cell: len:uint8 bytes (UTF-8), at most MAX_URL_BYTES. */
export function urlCell(url: string): Cell {
  const bytes = Buffer.from(url, 'utf8');
  if (bytes.length > AuditBoardConst.MAX_URL_BYTES) {
    throw new CocoonError('INVALID_INPUT', `evidence URL is ${bytes.length} bytes; the board keeps at most ${AuditBoardConst.MAX_URL_BYTES}`);
  }
  return beginCell().storeUint(bytes.length, 8).storeBuffer(bytes).endCell();
}

function loadUrl(c: Cell): string {
  const s = c.beginParse();
  return s.loadBuffer(s.loadUint(8)).toString('utf8');
}

/** report_body$_ model_hash:bits256 challenges:uint32 failures:uint32 period_start:uint32 period_end:uint32 evidence:bits256 */
export function storeReportBody(r: ReportBody): (b: Builder) => void {
  return (b) => {
    b.storeUint(bits256('modelHash', r.modelHash), 256)
      .storeUint(r.challenges, 32)
      .storeUint(r.failures, 32)
      .storeUint(r.periodStart, 32)
      .storeUint(r.periodEnd, 32)
      .storeUint(bits256('evidence', r.evidence), 256);
  };
}

function loadReportBody(s: Slice): ReportBody {
  return {
    modelHash: buf256(s.loadUintBig(256)),
    challenges: s.loadUint(32),
    failures: s.loadUint(32),
    periodStart: s.loadUint(32),
    periodEnd: s.loadUint(32),
    evidence: buf256(s.loadUintBig(256)),
  };
}

/** report$_ body:ReportBody published_at:uint32 (the node key is the dictionary key). */
const ReportValue: DictionaryValue<Omit<BoardReport, 'nodeKey'>> = {
  serialize: (r, b) => {
    b.store(storeReportBody(r)).storeUint(r.publishedAt, 32);
  },
  parse: (s) => ({...loadReportBody(s), publishedAt: s.loadUint(32)}),
};

/**
 * auditor$_ status:uint2 stake:Coins paid_until:uint32 rate:Coins joined_at:uint32
 *   unlock_at:uint32 report_count:uint8 url:^Url reports:(HashmapE 256 Report) = Auditor;
 */
const AuditorValue: DictionaryValue<Omit<BoardAuditor, 'address'>> = {
  serialize: () => {
    throw new Error('auditor records are written by the contract only');
  },
  parse: (s) => {
    const status = STATUS[s.loadUint(2)] ?? 'active';
    const stake = s.loadCoins();
    const paidUntil = s.loadUint(32);
    const rate = s.loadCoins();
    const joinedAt = s.loadUint(32);
    const unlockAt = s.loadUint(32);
    s.loadUint(8);
    const url = loadUrl(s.loadRef());
    const dict = Dictionary.load(Dictionary.Keys.BigUint(256), ReportValue, s);
    const reports = [...dict].map(([key, r]) => ({...r, nodeKey: buf256(key)}));
    return {status, stake, paidUntil, rate, joinedAt, unlockAt, url, reports};
  },
};

/** board$_ directory:MsgAddressInt params:BoardParams count:uint32 total_staked:Coins auditors:(HashmapE 256 Auditor) */
export function boardData(config: BoardConfig): Cell {
  return beginCell().storeAddress(config.directory).store(storeParams(config.params)).storeUint(0, 32).storeCoins(0).storeDict(null).endCell();
}

/** Parses a board's account data: every auditor and report in one read. */
export function readBoardData(data: Cell): BoardSnapshot {
  try {
    const s = data.beginParse();
    const directory = s.loadAddress();
    const params = loadParams(s);
    const count = s.loadUint(32);
    const totalStaked = s.loadCoins();
    const dict = Dictionary.load(Dictionary.Keys.BigUint(256), AuditorValue, s);
    const auditors = [...dict].map(([key, a]) => ({...a, address: new Address(0, buf256(key))}));
    return {directory, params, count, totalStaked, auditors};
  } catch (err) {
    throw new CocoonError('CORRUPT_DATA', 'audit board data cell does not have the expected layout', {
      cause: err,
      hint: 'Check that the address is a Cocoon audit board for this CLI version.',
    });
  }
}

/** The dictionary key of an auditor: its basechain account id. */
export function auditorKey(address: Address): bigint {
  if (address.workChain !== 0) throw new CocoonError('INVALID_INPUT', 'auditors are basechain wallets (workchain 0)');
  return BigInt(`0x${address.hash.toString('hex')}`);
}

/** The dictionary key of a report: the provider node's Ed25519 key. */
export function reportKey(nodeKey: Buffer): bigint {
  return bits256('nodeKey', nodeKey);
}
