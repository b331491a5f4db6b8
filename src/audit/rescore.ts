/**
 * Re-scoring by prefill (docs/audit.md): one forward pass of the registered
 * model over a challenge's prompt and the provider's output token ids gives
 * each output token's rank and probability; greedy answers must be the top
 * choice everywhere (within a tolerance for backend numerics), sampled ones
 * must stay inside the sampler's support and look like draws from it.
 */
import {inputHash, textHash, tokenIdsHash} from '../protocol/receipt.js';
import type {Receipt} from '../protocol/wire.js';
import type {EngineModelInfo, ScoreRequest, TokenScore, TokenScores} from '../inference/types.js';
import type {ChallengeRequest} from './challenge.js';

/** How much numeric difference between backends a verdict forgives (calibrated on CPU, docs/audit.md). */
export interface AuditTolerance {
  /** Greedy: a token counts as the top choice when its probability is at least (1 − greedyEpsilon) × the top one's. Default: 0.05. */
  greedyEpsilon: number;
  /** Sampled: a token is inside top-p when the mass ranked above it is below topP + supportEpsilon. Default: 0.01. */
  supportEpsilon: number;
  /** Sampled: largest |z| of the calibration test (mid-PIT) an honest answer may show. Default: 4.5. */
  maxZ: number;
}

/** The default tolerance. */
export const DEFAULT_TOLERANCE: AuditTolerance = {greedyEpsilon: 0.05, supportEpsilon: 0.01, maxZ: 4.5};

/** What an auditor concludes about one challenge (the evidence bundle's `verdict`). */
export interface Verdict {
  ok: boolean;
  reason: string;
}

/** What re-scoring needs: the engine's prefill scorer and the model it holds. */
export interface Scorer {
  readonly model: EngineModelInfo;
  score(request: ScoreRequest): Promise<TokenScores>;
}

/** One answer to re-score: what was asked, the signed receipt (decoded), and what arrived. */
export interface ScoredAnswer {
  request: ChallengeRequest;
  receipt: Receipt;
  tokenIds: readonly number[];
  text: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fail = (reason: string): Verdict => ({ok: false, reason});

/**
 * Whether an answer is evidence against its provider at all: the request,
 * token ids and text must be the ones its receipt hashes (the signature is
 * the caller's to check, with the node key). Anything else could be an
 * auditor's own alteration, so it proves nothing either way. Undefined when sound.
 */
export function integrityProblem(answer: ScoredAnswer): string | undefined {
  const r = answer.receipt;
  if (!inputHash(answer.request).equals(Buffer.from(r.inputHash))) return 'the request is not the one the receipt answers';
  if (!tokenIdsHash(answer.tokenIds).equals(Buffer.from(r.outputHash))) return 'the token ids are not the ones the receipt hashes';
  if (!textHash(answer.text).equals(Buffer.from(r.textHash))) return 'the text is not the one the receipt hashes';
  // A grammar masks the model's choices, so its answers are not the model's top tokens: judging them would accuse honest nodes.
  if (answer.request.params.format !== undefined) return 'structured-output answers (params.format) are generated under a grammar and are not re-scored';
  return undefined;
}

/**
 * Judge one answer against the registered model, given its integrity
 * (integrityProblem): everything the provider signed is checked against what
 * the model gives: model hash, the sampler asked for, both token counts, the
 * text the ids spell, and each token's place in the model's distribution.
 */
export async function rescore(scorer: Scorer, answer: ScoredAnswer, tolerance: AuditTolerance = DEFAULT_TOLERANCE): Promise<Verdict> {
  const {receipt: r, tokenIds} = answer;
  if (scorer.model.sha256 && hex(r.modelHash) !== scorer.model.sha256) return fail(`the receipt names model ${hex(r.modelHash)}, not the registered ${scorer.model.sha256}`);
  if (tokenIds.length !== r.usage.completionTokens) return fail(`${tokenIds.length} token ids for ${r.usage.completionTokens} billed completion tokens`);
  const asked = answer.request.params;
  // Temperature and top-p travel as float32 in the receipt; top-k and the seed as integers.
  const differs = (a: number | undefined, b: number, f32 = false) => a !== undefined && (f32 ? Math.fround(a) : a) !== b;
  if (differs(asked.temperature, r.sampling.temperature, true) || differs(asked.seed, r.sampling.seed)) return fail('the receipt’s temperature or seed is not the one asked for');
  if (r.sampling.temperature > 0 && (differs(asked.topP, r.sampling.topP, true) || differs(asked.topK, r.sampling.topK))) return fail('the receipt’s top-p or top-k is not the one asked for');
  const greedy = r.sampling.temperature === 0;
  let scores: TokenScores;
  try {
    scores = await scorer.score({prompt: answer.request.prompt, messages: answer.request.messages, outputTokenIds: tokenIds, listSize: greedy ? 40 : r.sampling.topK});
  } catch (err) {
    return fail(`the model cannot read these tokens (${(err as Error).message})`);
  }
  if (scores.promptTokenIds.length !== r.usage.promptTokens) {
    return fail(`billed ${r.usage.promptTokens} prompt tokens; the model's tokenizer and chat template give ${scores.promptTokenIds.length}`);
  }
  if (!tokenIdsHash(scores.promptTokenIds).equals(Buffer.from(r.promptHash))) return fail('the prompt token ids the receipt hashes are not the model’s rendering of the prompt');
  if (scores.text !== answer.text) return fail('the text sent is not what the token ids spell');
  return greedy ? judgeGreedy(scores.positions, tolerance) : judgeSampled(scores.positions, r.sampling, tolerance);
}

function describe(k: number, s: TokenScore): string {
  const p = s.rank >= 0 ? s.list[s.rank]![1] : undefined;
  const [topId, topP] = s.list[0]!;
  return `token ${k} (id ${s.token}) is ${s.rank >= 0 ? `rank ${s.rank + 1}, p ${p!.toPrecision(3)}` : `not among the model's top ${s.list.length}`}; the model's top choice is id ${topId} (p ${topP.toPrecision(3)})`;
}

/** Greedy: every token the model's top choice, or within greedyEpsilon of it. */
function judgeGreedy(positions: TokenScore[], tolerance: AuditTolerance): Verdict {
  let ties = 0;
  for (const [k, s] of positions.entries()) {
    if (s.rank === 0) continue;
    const p = s.rank > 0 ? s.list[s.rank]![1] : 0;
    if (p < (1 - tolerance.greedyEpsilon) * s.list[0]![1]) return fail(`greedy answer: ${describe(k, s)}`);
    ties++;
  }
  return {ok: true, reason: `greedy answer: all ${positions.length} tokens are the model's top choice${ties ? ` (${ties} within the tie tolerance)` : ''}`};
}

/**
 * Sampled: llama.cpp's chain (top-K, then top-p over the renormalised top-K,
 * then temperature) gives each position's support and distribution q. A token
 * outside the support fails at once. Then the mid-point probability integral
 * transform u = Q(ranked above) + q(token)/2, whose mean under honest sampling
 * is exactly 1/2 with a variance known per position: |z| above maxZ fails
 * (tokens the model finds unlikely push z up, a peakier model pulls it down).
 */
function judgeSampled(positions: TokenScore[], sampling: Receipt['sampling'], tolerance: AuditTolerance): Verdict {
  let sum = 0;
  let variance = 0;
  for (const [k, s] of positions.entries()) {
    if (s.rank < 0) return fail(`sampled answer (top-k ${sampling.topK || 'off'}): ${describe(k, s)}`);
    // Top-p: the first tokens whose mass reaches topP (at least one), as llama.cpp keeps them.
    let kept = 0;
    let mass = 0;
    while (kept < s.list.length && (kept === 0 || mass < sampling.topP)) mass += s.list[kept++]![1];
    const before = s.list.slice(0, s.rank).reduce((a, [, p]) => a + p, 0);
    if (s.rank >= kept) {
      if (before >= sampling.topP + tolerance.supportEpsilon) return fail(`sampled answer (top-p ${sampling.topP.toPrecision(3)}): ${describe(k, s)}, outside top-p (mass ranked above it ${before.toPrecision(3)})`);
      kept = s.rank + 1;
    }
    const q = tempered(s.list.slice(0, kept).map(([, p]) => p), sampling.temperature);
    let below = 0;
    let second = 0;
    for (const [i, qi] of q.entries()) {
      const u = below + qi / 2;
      second += qi * u * u;
      if (i === s.rank) sum += u - 0.5;
      below += qi;
    }
    variance += second - 0.25;
  }
  const z = variance > 1e-12 ? sum / Math.sqrt(variance) : 0;
  if (Math.abs(z) > tolerance.maxZ) {
    return fail(`sampled answer: the tokens are not draws from the model at temperature ${sampling.temperature.toPrecision(3)} (z = ${z.toFixed(2)}, |z| above ${tolerance.maxZ}; ${z > 0 ? 'too many unlikely tokens' : 'too few unlikely tokens'})`);
  }
  return {ok: true, reason: `sampled answer: all ${positions.length} tokens inside the sampler's support; z = ${z.toFixed(2)}`};
}

/** Probabilities p (at temperature 1) at temperature t, renormalised: q ∝ p^(1/t), in log space. */
function tempered(p: number[], t: number): number[] {
  const logs = p.map((x) => Math.log(Math.max(x, 1e-300)) / t);
  const max = Math.max(...logs);
  const e = logs.map((l) => Math.exp(l - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}
