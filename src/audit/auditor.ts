/**
 * One audit of one provider (docs/audit.md §2): challenge queries through the
 * ordinary consumer path, each answer re-scored against the registered model,
 * the lot gathered into an evidence bundle.
 */
import type {AskResult} from '../consumer/ask.js';
import {isCocoonError} from '../errors.js';
import {decodeReceipt, verifyReceipt} from '../protocol/receipt.js';
import {makeChallenge, type ChallengeOptions, type ChallengeRequest} from './challenge.js';
import type {EvidenceBundle, EvidenceChallenge} from './evidence.js';
import {DEFAULT_TOLERANCE, integrityProblem, rescore, type AuditTolerance, type Scorer, type Verdict} from './rescore.js';

/** The provider audited, as its registry record names it. */
export interface AuditedProvider {
  /** Owner wallet, raw form. */
  owner: string;
  /** Node Ed25519 key, hex. */
  nodeKey: string;
  model: string;
  /** Registered model SHA-256, hex. */
  modelHash: string;
}

/** What a challenge's answer must give (an AskResult does). */
export type AuditAnswer = Pick<AskResult, 'text' | 'tokenIds'> & {receipt: Pick<AskResult['receipt'], 'bytes' | 'signature'>};

/** Options of runAudit. */
export interface RunAuditOptions {
  provider: AuditedProvider;
  /** Sends one challenge the way any consumer asks (the consumer's ask(), paid from a normal channel) to this provider only. */
  ask: (challenge: ChallengeRequest) => Promise<AuditAnswer>;
  /** The registered model, loaded (its hash must be provider.modelHash). */
  scorer: Scorer;
  /** Challenges to send. Required. */
  challenges: number;
  /** Stop early once this many have failed (a flagged provider need not be paid further). Default: never. */
  stopAfterFailures?: number;
  /** How challenges are drawn (model is the provider's). */
  challengeOptions?: Omit<ChallengeOptions, 'model'>;
  tolerance?: AuditTolerance;
  /** Told after each challenge. */
  onChallenge?: (index: number, challenge: EvidenceChallenge) => void;
  /** Clock, Unix ms. Default: Date.now. */
  now?: () => number;
}

/** A finished audit: the bundle, and the challenges that could not count as evidence either way. */
export interface AuditOutcome {
  bundle: EvidenceBundle;
  /**
   * Challenges left out of the bundle: no answer with a valid signed receipt
   * (the provider failed, or signed nothing valid), or a receipt that does
   * not hash what arrived (the consumer refused to pay; a third party could
   * not tell that from an auditor's alteration, so it is no evidence).
   */
  unanswered: {request: ChallengeRequest; error: string}[];
}

/** Run the challenges one after another and judge each answer. */
export async function runAudit(options: RunAuditOptions): Promise<AuditOutcome> {
  const now = options.now ?? Date.now;
  if (options.scorer.model.sha256 !== options.provider.modelHash) {
    throw new Error(`The auditor's model (${options.scorer.model.sha256}) is not the one the provider registered (${options.provider.modelHash}).`);
  }
  const start = Math.floor(now() / 1000);
  const challenges: EvidenceChallenge[] = [];
  const unanswered: AuditOutcome['unanswered'] = [];
  const nodeKey = Buffer.from(options.provider.nodeKey, 'hex');
  for (let i = 0; i < options.challenges; i++) {
    const request = makeChallenge({...options.challengeOptions, model: options.provider.model});
    const answered = await answer(options, request, nodeKey);
    if ('error' in answered) {
      unanswered.push({request, error: answered.error});
      continue;
    }
    const scoredAnswer = {request, receipt: decodeReceipt(Buffer.from(answered.receipt, 'hex')), tokenIds: answered.tokenIds, text: answered.text};
    const unsound = integrityProblem(scoredAnswer);
    if (unsound) {
      unanswered.push({request, error: `${answered.refused ?? 'the receipt does not check out'}: ${unsound}`});
      continue;
    }
    // The verdict is re-scoring's alone, so anyone re-verifying the bundle reaches the same one; a refusal to pay is noted beside it.
    const scored = await rescore(options.scorer, scoredAnswer, options.tolerance ?? DEFAULT_TOLERANCE);
    const verdict: Verdict = answered.refused ? {ok: scored.ok, reason: `${scored.reason}; ${answered.refused}`} : scored;
    const challenge: EvidenceChallenge = {request, receipt: answered.receipt, signature: answered.signature, tokenIds: answered.tokenIds, text: answered.text, verdict};
    challenges.push(challenge);
    options.onChallenge?.(i, challenge);
    if (options.stopAfterFailures !== undefined && challenges.filter((c) => !c.verdict.ok).length >= options.stopAfterFailures) break;
  }
  const failures = challenges.filter((c) => !c.verdict.ok).length;
  return {
    bundle: {
      v: 1,
      kind: 'cocoon-audit-evidence',
      provider: {...options.provider},
      period: {start, end: Math.ceil(now() / 1000)},
      challenges,
      summary: {challenges: challenges.length, failures},
    },
    unanswered,
  };
}

type Answered = {receipt: string; signature: string; tokenIds: number[]; text: string; refused?: string} | {error: string};

/**
 * One challenge through ask(). A receipt the consumer refused (it does not
 * check out) is still evidence when the provider signed it: the error carries it.
 */
async function answer(options: RunAuditOptions, request: ChallengeRequest, nodeKey: Buffer): Promise<Answered> {
  try {
    const r = await options.ask(request);
    return {receipt: r.receipt.bytes, signature: r.receipt.signature, tokenIds: r.tokenIds, text: r.text};
  } catch (err) {
    const d = isCocoonError(err) ? (err.details as {receipt?: string; signature?: string; tokenIds?: number[]; text?: string; problems?: string[]} | undefined) : undefined;
    if (d?.receipt && d.signature && d.tokenIds && verifyReceipt(Buffer.from(d.receipt, 'hex'), Buffer.from(d.signature, 'hex'), nodeKey)) {
      return {receipt: d.receipt, signature: d.signature, tokenIds: d.tokenIds, text: d.text ?? '', refused: `the consumer refused to pay (${(d.problems ?? []).join(', ')})`};
    }
    return {error: (err as Error).message};
  }
}

