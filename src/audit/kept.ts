/**
 * Answers a consumer kept to audit later (`ask --keep FILE`, docs/audit.md §5):
 * one JSON line per answer with the request, the signed receipt, the token ids
 * and the text. Re-scored later, they make evidence bundles like `audit run`'s,
 * without sending a single new query. Opt-in: the file holds prompts and
 * answers in the clear, which a private-inference client must not leave
 * behind unasked.
 */
import {z} from 'zod';
import type {AskResult} from '../consumer/ask.js';
import {CocoonError} from '../errors.js';
import {decodeReceipt, verifyReceipt} from '../protocol/receipt.js';
import {RawAddressSchema} from '../protocol/schemas.js';
import type {AuditedProvider, AuditOutcome} from './auditor.js';
import type {ChallengeRequest} from './challenge.js';
import {EvidenceBundleSchema, type EvidenceChallenge} from './evidence.js';
import {DEFAULT_TOLERANCE, integrityProblem, rescore, type AuditTolerance, type Scorer} from './rescore.js';

/** One kept answer (a line of the file). */
export interface KeptAnswer {
  /** ISO time it was kept. */
  at: string;
  provider: AuditedProvider;
  request: ChallengeRequest;
  receipt: string;
  signature: string;
  tokenIds: number[];
  text: string;
}

const ChallengeShape = EvidenceBundleSchema.shape.challenges.element;
const KeptSchema = z
  .object({
    at: z.string().max(64),
    provider: z.object({owner: RawAddressSchema, nodeKey: z.string().regex(/^[0-9a-f]{64}$/), model: z.string().min(1).max(256), modelHash: z.string().regex(/^[0-9a-f]{64}$/)}).strict(),
    request: ChallengeShape.shape.request,
    receipt: ChallengeShape.shape.receipt,
    signature: ChallengeShape.shape.signature,
    tokenIds: ChallengeShape.shape.tokenIds,
    text: ChallengeShape.shape.text,
  })
  .strict();

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The line to keep for an answer to `request`. */
export function keptAnswer(request: ChallengeRequest, result: AskResult, at = new Date()): KeptAnswer {
  return {
    at: at.toISOString(),
    provider: {owner: result.provider.address.toRawString(), nodeKey: hex(result.provider.nodeKey), model: result.provider.model, modelHash: hex(result.provider.modelHash)},
    request,
    receipt: result.receipt.bytes,
    signature: result.receipt.signature,
    tokenIds: result.tokenIds,
    text: result.text,
  };
}

/** Parse a kept-answers file (JSON lines); INVALID_INPUT naming the first bad line. */
export function parseKeptAnswers(text: string): KeptAnswer[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, n]) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (err) {
        throw new CocoonError('INVALID_INPUT', `Line ${n} of the kept answers is not JSON.`, {cause: err});
      }
      const parsed = KeptSchema.safeParse(json);
      if (!parsed.success) throw new CocoonError('INVALID_INPUT', `Line ${n} of the kept answers is not a kept answer (${parsed.error.issues[0]?.path.join('.') ?? 'schema'}).`);
      return parsed.data;
    });
}

/**
 * Re-score kept answers of providers that serve `scorer`'s model: one
 * evidence bundle per provider node, its period the answers' own times.
 * Answers whose receipt is not the provider's, or does not hash what was
 * kept, are left out (no evidence).
 */
export async function auditKeptAnswers(answers: KeptAnswer[], scorer: Scorer, tolerance: AuditTolerance = DEFAULT_TOLERANCE): Promise<AuditOutcome[]> {
  const byNode = new Map<string, KeptAnswer[]>();
  for (const a of answers) {
    if (a.provider.modelHash !== scorer.model.sha256) continue;
    byNode.set(a.provider.nodeKey, [...(byNode.get(a.provider.nodeKey) ?? []), a]);
  }
  const outcomes: AuditOutcome[] = [];
  for (const list of byNode.values()) {
    const challenges: EvidenceChallenge[] = [];
    const unanswered: AuditOutcome['unanswered'] = [];
    const times: number[] = [];
    for (const a of list) {
      const bytes = Buffer.from(a.receipt, 'hex');
      if (!verifyReceipt(bytes, Buffer.from(a.signature, 'hex'), Buffer.from(a.provider.nodeKey, 'hex'))) {
        unanswered.push({request: a.request, error: 'the receipt is not signed by the provider’s node key'});
        continue;
      }
      const answer = {request: a.request, receipt: decodeReceipt(bytes), tokenIds: a.tokenIds, text: a.text};
      const unsound = integrityProblem(answer);
      if (unsound) {
        unanswered.push({request: a.request, error: unsound});
        continue;
      }
      times.push(answer.receipt.timestamp);
      challenges.push({request: a.request, receipt: a.receipt, signature: a.signature, tokenIds: a.tokenIds, text: a.text, verdict: await rescore(scorer, answer, tolerance)});
    }
    const start = times.length ? Math.floor(Math.min(...times) / 1000) : 0;
    const end = times.length ? Math.ceil(Math.max(...times) / 1000) : 0;
    outcomes.push({
      bundle: {v: 1, kind: 'cocoon-audit-evidence', provider: {...list[0]!.provider}, period: {start, end}, challenges, summary: {challenges: challenges.length, failures: challenges.filter((c) => !c.verdict.ok).length}},
      unanswered,
    });
  }
  return outcomes;
}
