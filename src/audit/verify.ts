/**
 * Re-verify an evidence bundle offline (docs/audit.md §4): every receipt is
 * the provider's (its node key), every token list is the one its receipt
 * hashes, every challenge re-scores to the stated verdict, and the summary
 * counts are the challenges' own. A forged or altered report fails here.
 */
import {CocoonError} from '../errors.js';
import {createEngine} from '../inference/engine.js';
import {decodeReceipt, verifyReceipt} from '../protocol/receipt.js';
import type {Receipt} from '../protocol/wire.js';
import {parseEvidence, summarizeEvidence, type EvidenceBundle, type EvidenceSummary} from './evidence.js';
import {DEFAULT_TOLERANCE, integrityProblem, rescore, type AuditTolerance, type Scorer} from './rescore.js';

/** Options of verifyEvidence: the registered model, as a file to load or an engine already holding it. */
export interface VerifyEvidenceOptions {
  /** Path of the GGUF file whose SHA-256 the bundle names. One of modelPath or engine. */
  modelPath?: string;
  /** An engine already serving that model (its sequences are borrowed, not its queue's turn taken twice). */
  engine?: Scorer;
  tolerance?: AuditTolerance;
  /** CPU threads when loading modelPath. Default: the engine's default. */
  threads?: number;
}

/** What verification found. */
export interface EvidenceVerification {
  /** True when nothing below is wrong: the bundle proves what it says. */
  ok: boolean;
  /** Each thing that is not as the bundle states, in order. */
  problems: string[];
  /** The counts as re-scoring gives them. */
  recomputed: {challenges: number; failures: number};
  /** The bundle's own summary (what an auditor would publish), digest included. */
  summary: EvidenceSummary;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Verify a bundle's exact bytes against the registered model. */
export async function verifyEvidence(bundleBytes: Uint8Array | string, options: VerifyEvidenceOptions): Promise<EvidenceVerification> {
  const bundle = parseEvidence(bundleBytes);
  const summary = summarizeEvidence(typeof bundleBytes === 'string' ? Buffer.from(bundleBytes, 'utf8') : bundleBytes);
  if (!options.engine && !options.modelPath) throw new CocoonError('USAGE', 'verifyEvidence needs the model: modelPath or engine.');
  const engine = options.engine ?? (await createEngine({modelPath: options.modelPath!, parallel: 1, threads: options.threads, name: bundle.provider.model}));
  try {
    if (engine.model.sha256 !== bundle.provider.modelHash) {
      throw new CocoonError('INVALID_INPUT', `The model file's SHA-256 is ${engine.model.sha256 || 'unknown'}; the bundle audits ${bundle.provider.modelHash}.`, {
        hint: 'Pass the registered model file (--model), the one whose hash the provider registered.',
      });
    }
    return await check(bundle, summary, engine, options.tolerance ?? DEFAULT_TOLERANCE);
  } finally {
    if (!options.engine) await (engine as {dispose?: () => Promise<void>}).dispose?.();
  }
}

async function check(bundle: EvidenceBundle, summary: EvidenceSummary, engine: Scorer, tolerance: AuditTolerance): Promise<EvidenceVerification> {
  const problems: string[] = [];
  const nodeKey = Buffer.from(bundle.provider.nodeKey, 'hex');
  const {start, end} = bundle.period;
  if (start > end) problems.push(`the period ends (${end}) before it starts (${start})`);
  const seen = new Set<string>();
  let failures = 0;
  for (const [i, c] of bundle.challenges.entries()) {
    const at = `challenge ${i + 1}`;
    let receipt: Receipt;
    try {
      receipt = decodeReceipt(Buffer.from(c.receipt, 'hex'));
    } catch (err) {
      problems.push(`${at}: the receipt does not decode (${(err as Error).message})`);
      continue;
    }
    if (!verifyReceipt(Buffer.from(c.receipt, 'hex'), Buffer.from(c.signature, 'hex'), nodeKey)) {
      problems.push(`${at}: the receipt is not signed by the provider's node key`);
      continue;
    }
    const id = hex(receipt.queryId);
    if (seen.has(id)) problems.push(`${at}: query ${id} is counted twice`);
    seen.add(id);
    const seconds = receipt.timestamp / 1000;
    if (seconds < start - 1 || seconds > end + 1) problems.push(`${at}: answered at ${Math.floor(seconds)}, outside the period ${start}–${end}`);
    const answer = {request: c.request, receipt, tokenIds: c.tokenIds, text: c.text};
    const unsound = integrityProblem(answer);
    if (unsound) {
      problems.push(`${at}: ${unsound}, so it is no evidence`);
      continue;
    }
    const verdict = await rescore(engine, answer, tolerance);
    if (!verdict.ok) failures++;
    if (verdict.ok !== c.verdict.ok) problems.push(`${at}: stated ${c.verdict.ok ? 'passed' : 'failed'}, but re-scoring says ${verdict.ok ? 'it passes' : 'it fails'} (${verdict.reason})`);
  }
  const stated = bundle.challenges.filter((c) => !c.verdict.ok).length;
  if (bundle.summary.challenges !== bundle.challenges.length) problems.push(`the summary counts ${bundle.summary.challenges} challenges; the bundle holds ${bundle.challenges.length}`);
  if (bundle.summary.failures !== stated) problems.push(`the summary counts ${bundle.summary.failures} failures; the challenges state ${stated}`);
  return {ok: problems.length === 0, problems, recomputed: {challenges: bundle.challenges.length, failures}, summary};
}
