// Where a provider node stands with the auditors (issue 16, docs/audit.md): the
// one rule discovery, `providers list`, `ask` and the gateway use. A report
// counts when an independent auditor (staked on the board, its rent not run
// out, not the provider's own wallet) checked this node against the model hash
// it is registered with now, recently. A report fails when at least 2 and more
// than 5 % of its challenges failed: an honest node on another backend may miss
// one greedy token in a hundred (the re-scorer's tolerance is calibrated for
// that), never one in twenty. A node is flagged only when `quorum` distinct
// auditors (default 2) report it failing: one auditor alone (who may be a
// competitor) makes it `disputed`, which ranks it last but still serves it.
import type {BoardAuditor, BoardReport, BoardSnapshot} from '../chain/contracts/audit-board-codec.js';
import {AuditBoardConst} from '../chain/contracts/constants.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';

/** The standing of one node. */
export type AuditStandingName = 'unaudited' | 'passed' | 'disputed' | 'flagged';

/** A node's standing and the reports it rests on. */
export interface AuditStanding {
  standing: AuditStandingName;
  /** Independent auditors whose reports count. */
  auditors: number;
  /** Of them, those whose report fails. */
  failing: number;
  /** Challenges and failures summed over the counted reports. */
  challenges: number;
  failures: number;
}

/** Options of auditStanding. */
export interface StandingOptions {
  /** Distinct failing auditors that flag a node. Default: 2. */
  quorum?: number;
  /** Reports whose period ended longer ago than this are ignored, seconds. Default: 180 days. */
  maxAgeSeconds?: number;
  now?: number;
}

/** The standing of a node nobody audited. */
export const UNAUDITED: AuditStanding = Object.freeze({standing: 'unaudited', auditors: 0, failing: 0, challenges: 0, failures: 0});

/** The default quorum of failing auditors that flags a node. */
export const DEFAULT_AUDIT_QUORUM = 2;
const DEFAULT_MAX_AGE = 180 * 86_400;

/** True when a report says the node failed: at least 2 failures, and more than 5 % of its challenges. */
export function reportFails(r: Pick<BoardReport, 'challenges' | 'failures'>): boolean {
  return r.failures >= 2 && r.failures * 20 > r.challenges;
}

function counts(a: BoardAuditor, board: BoardSnapshot, now: number): boolean {
  return a.status === 'active' && a.stake >= board.params.minStake && now < a.paidUntil + AuditBoardConst.GRACE_PERIOD;
}

/** Where `record`'s node stands on `board` (unaudited when there is no board). */
export function auditStanding(record: ProviderRecord, board: BoardSnapshot | undefined, options: StandingOptions = {}): AuditStanding {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const quorum = Math.max(1, options.quorum ?? DEFAULT_AUDIT_QUORUM);
  const oldest = now - (options.maxAgeSeconds ?? DEFAULT_MAX_AGE);
  const out: AuditStanding = {standing: 'unaudited', auditors: 0, failing: 0, challenges: 0, failures: 0};
  for (const a of board?.auditors ?? []) {
    if (!counts(a, board!, now) || a.address.equals(record.owner)) continue;
    const r = a.reports.find((x) => x.nodeKey.equals(record.nodeKey));
    if (!r || !r.modelHash.equals(record.modelHash) || r.periodEnd < oldest) continue;
    out.auditors += 1;
    out.challenges += r.challenges;
    out.failures += r.failures;
    if (reportFails(r)) out.failing += 1;
  }
  out.standing = out.failing >= quorum ? 'flagged' : out.failing > 0 ? 'disputed' : out.auditors > 0 ? 'passed' : 'unaudited';
  return out;
}

/** Rank of a standing for ordering providers: passed first, disputed last (flagged ones are filtered out unless asked for). */
export function standingRank(s: AuditStandingName): number {
  return {passed: 0, unaudited: 1, disputed: 2, flagged: 3}[s];
}

/** A standing in a few words with its evidence: `passed 2×, 60 checks`, `flagged 2/2 auditors (41/60 failed)`, `unaudited`. */
export function describeStanding(a: AuditStanding): string {
  if (a.standing === 'unaudited') return 'unaudited';
  if (a.standing === 'passed') return `passed ${a.auditors}×, ${a.challenges} checks`;
  return `${a.standing} ${a.failing}/${a.auditors} auditors (${a.failures}/${a.challenges} failed)`;
}
