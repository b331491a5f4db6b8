/**
 * Re-scoring by prefill (docs/audit.md): one forward pass of the registered
 * model over a challenge's prompt and the provider's output token ids gives
 * each output token's rank and probability; greedy answers must be the top
 * choice everywhere (within a tolerance for backend numerics), sampled ones
 * must stay inside the sampler's support and look like draws from it.
 */
import {inputHash, textHash, tokenIdsHash} from '../protocol/receipt.js';
import type {Receipt} from '../protocol/wire.js';
import {countThought, forcedClosingAt} from '../inference/think.js';
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
  // Thoughts (docs/protocol.md §4.2): the count the receipt signs, and the closing tokens the provider forced (not the model's choice).
  const pieces = scores.pieces ?? [];
  const thought = scores.thinking ? countThought(pieces, scores.thinking.promptOpened) : {tokens: 0};
  if (r.reasoningTokens !== thought.tokens) return fail(`the receipt counts ${r.reasoningTokens} thought tokens; the model's own tokens give ${thought.tokens}`);
  const forcedAt = scores.thinking
    ? forcedClosingAt({outputTokenIds: tokenIds, pieces, promptOpened: scores.thinking.promptOpened, budget: asked.thinkBudget, closing: scores.thinking.closing})
    : undefined;
  const forced = forcedAt === undefined ? 0 : scores.thinking!.closing.tokenIds.length;
  const judged = scores.positions.map((s, k) => ({k, s})).filter(({k}) => forcedAt === undefined || k < forcedAt || k >= forcedAt + forced);
  const end = stoppedEarly(answer, scores) ? endOfAnswer(scores, asked.stop ?? []) : undefined;
  const judge = (positions: typeof judged, e: EndOfAnswer | undefined) => (greedy ? judgeGreedy(positions, e, tolerance) : judgeSampled(positions, e, r.sampling, tolerance));
  let verdict: Verdict = judge(judged, end);
  // A stop string that begins inside a token: node-llama-cpp drops that token and re-tokenises the text before the stop,
  // so the answer's last ids are not ones the model sampled. Judge the token the model would have written there instead.
  for (const inside of !verdict.ok && end ? stopInsideToken(scores, [...(asked.stop ?? []), ...(scores.stopTexts ?? [])]) : []) {
    if (forcedAt !== undefined && inside.from < forcedAt + forced) continue;
    const repaired = judge([...judged.filter(({k}) => k < inside.from), {k: inside.from, s: inside.score}], undefined);
    if (!repaired.ok) continue;
    verdict = {ok: true, reason: `${repaired.reason}; the last ${scores.positions.length - inside.from} re-tokenised before a stop text that began inside the model's token ${inside.score.token}`};
    break;
  }
  // Judged after the choices, so a verdict names the model's choices first when they betray a substitute.
  if (verdict.ok && r.usage.completionTokens > answer.request.maxTokens) return fail(`billed ${r.usage.completionTokens} completion tokens; the request allowed ${answer.request.maxTokens}`);
  return verdict.ok && forced ? {ok: true, reason: `${verdict.reason}; ${forced} closing tokens forced by the thought budget not judged`} : verdict;
}

/**
 * Whether the answer ended before its limits, so that ending was the model's
 * choice (an end-of-generation token, or a stop text beginning): fewer tokens
 * than maxTokens and room left in the context. An answer cut by its length asks nothing.
 */
function stoppedEarly(answer: ScoredAnswer, scores: TokenScores): boolean {
  return scores.end !== undefined && answer.tokenIds.length < answer.request.maxTokens;
}

/** What may have ended an answer at the position after its last token. */
interface EndOfAnswer {
  /** The model's most likely next tokens there (as a position's list). */
  list: [number, number][];
  /** Ranks in the list of tokens that would have ended it: end-of-generation tokens (`eog`), or the start of a stop text (`stop`). */
  eog: number[];
  stop: number[];
}

function endOfAnswer(scores: TokenScores, requestStops: readonly string[]): EndOfAnswer {
  const list = scores.end!;
  const endTokens = new Set(scores.endTokens ?? []);
  const stops = [...requestStops, ...(scores.stopTexts ?? [])].filter((t) => t.length > 0);
  const pieces = scores.endPieces ?? [];
  const eog: number[] = [];
  const stop: number[] = [];
  for (const [i, [id]] of list.entries()) {
    if (endTokens.has(id)) eog.push(i);
    else if (pieces[i] !== undefined && stops.some((t) => beginsStop(pieces[i]!, t))) stop.push(i);
  }
  return {list, eog, stop};
}

/**
 * Where a stop text began inside a token the model chose: the answer's last
 * 1–3 tokens spell (spaces aside) the start of one of the model's listed
 * tokens at the first of them, and the rest of that token's text begins a
 * stop text. Returns each such position (last token first) with the
 * best-ranked listed token as the model's choice there.
 */
function stopInsideToken(scores: TokenScores, stops: readonly string[]): {from: number; score: TokenScore}[] {
  const found: {from: number; score: TokenScore}[] = [];
  const pieces = scores.pieces ?? [];
  const tails = scores.tailPieces ?? [];
  const n = scores.positions.length;
  const texts = stops.filter((t) => t.length > 0);
  for (let m = 1; m <= Math.min(3, n, tails.length); m++) {
    const from = n - m;
    const spelled = pieces.slice(from).join('').trimStart();
    const position = scores.positions[from]!;
    const listed = tails[tails.length - m]!;
    for (const [rank, text] of listed.entries()) {
      const whole = text.trimStart();
      if (whole.length <= spelled.length || !whole.startsWith(spelled)) continue;
      const rest = whole.slice(spelled.length);
      if (texts.some((t) => t.startsWith(rest) || rest.startsWith(t) || rest.includes(t))) {
        found.push({from, score: {token: position.list[rank]![0], rank, list: position.list}});
        break;
      }
    }
  }
  return found;
}

/**
 * Whether a token's text can begin a stop text (LlamaCompletion drops the
 * tokens of a stop text it meets): the stop text starts with it, or it starts
 * with (or holds) the stop text. A token's own text has lost its leading
 * space (SentencePiece), so both are compared without leading whitespace too.
 */
function beginsStop(piece: string, stop: string): boolean {
  const match = (a: string, b: string) => a.length > 0 && (b.startsWith(a) || a.includes(b));
  return match(piece, stop) || match(piece.trimStart(), stop.trimStart());
}

function describe(k: number, s: TokenScore): string {
  const p = s.rank >= 0 ? s.list[s.rank]![1] : undefined;
  const [topId, topP] = s.list[0]!;
  return `token ${k} (id ${s.token}) is ${s.rank >= 0 ? `rank ${s.rank + 1}, p ${p!.toPrecision(3)}` : `not among the model's top ${s.list.length}`}; the model's top choice is id ${topId} (p ${topP.toPrecision(3)})`;
}

/** Greedy: every token the model's top choice, or within greedyEpsilon of it; an answer that stopped early, stopping too. */
function judgeGreedy(positions: {k: number; s: TokenScore}[], end: EndOfAnswer | undefined, tolerance: AuditTolerance): Verdict {
  let ties = 0;
  const top = (list: [number, number][], rank: number) => (rank >= 0 ? list[rank]![1] : 0) >= (1 - tolerance.greedyEpsilon) * list[0]![1];
  for (const {k, s} of positions) {
    if (s.rank === 0) continue;
    if (!top(s.list, s.rank)) return fail(`greedy answer: ${describe(k, s)}`);
    ties++;
  }
  if (end) {
    const best = Math.min(...end.eog, ...end.stop, Infinity);
    if (!Number.isFinite(best) || !top(end.list, best)) {
      const [topId, topP] = end.list[0]!;
      const p = end.eog.length ? end.list[end.eog[0]!]![1] : 0;
      return fail(`greedy answer stopped after ${positions.length ? positions.at(-1)!.k + 1 : 0} tokens, but the model would go on: its top choice there is id ${topId} (p ${topP.toPrecision(3)}), end of generation ${end.eog.length ? `p ${p.toPrecision(3)}` : `not among its top ${end.list.length}`}`);
    }
    if (best > 0) ties++;
  }
  return {ok: true, reason: `greedy answer: all ${positions.length} tokens are the model's top choice${end ? ', and so is stopping' : ''}${ties ? ` (${ties} within the tie tolerance)` : ''}`};
}

/**
 * Sampled: llama.cpp's chain (top-K, then top-p over the renormalised top-K,
 * then temperature) gives each position's support and distribution q. A token
 * outside the support fails at once. Then the mid-point probability integral
 * transform u = Q(ranked above) + q(token)/2, whose mean under honest sampling
 * is exactly 1/2 with a variance known per position: |z| above maxZ fails
 * (tokens the model finds unlikely push z up, a peakier model pulls it down).
 */
function judgeSampled(positions: {k: number; s: TokenScore}[], end: EndOfAnswer | undefined, sampling: Receipt['sampling'], tolerance: AuditTolerance): Verdict {
  let sum = 0;
  let variance = 0;
  const add = (term: {u: number; variance: number}) => ((sum += term.u - 0.5), (variance += term.variance));
  for (const {k, s} of positions) {
    if (s.rank < 0) return fail(`sampled answer (top-k ${sampling.topK || 'off'}): ${describe(k, s)}`);
    const placed = place(s.list, s.rank, sampling, tolerance);
    if ('before' in placed) return fail(`sampled answer (top-p ${sampling.topP.toPrecision(3)}): ${describe(k, s)}, outside top-p (mass ranked above it ${placed.before.toPrecision(3)})`);
    add(placed);
  }
  if (end) {
    // Stopping must be inside the sampler's support; when only an end-of-generation token can have ended it, it is a draw like the others.
    const inside = (rank: number) => !('before' in place(end.list, rank, sampling, tolerance));
    const eog = end.eog.filter(inside);
    const stop = end.stop.filter(inside);
    if (eog.length === 0 && stop.length === 0) {
      return fail(`sampled answer stopped after ${positions.length ? positions.at(-1)!.k + 1 : 0} tokens, but neither end of generation nor a stop text is inside the sampler's support there (top-k ${sampling.topK || 'off'}, top-p ${sampling.topP.toPrecision(3)})`);
    }
    if (stop.length === 0) add(place(end.list, eog[0]!, sampling, tolerance) as {u: number; variance: number});
  }
  const z = variance > 1e-12 ? sum / Math.sqrt(variance) : 0;
  if (Math.abs(z) > tolerance.maxZ) {
    return fail(`sampled answer: the tokens are not draws from the model at temperature ${sampling.temperature.toPrecision(3)} (z = ${z.toFixed(2)}, |z| above ${tolerance.maxZ}; ${z > 0 ? 'too many unlikely tokens' : 'too few unlikely tokens'})`);
  }
  return {ok: true, reason: `sampled answer: all ${positions.length} tokens${end ? ' and stopping' : ''} inside the sampler's support; z = ${z.toFixed(2)}`};
}

/**
 * One draw's place in the sampler's distribution: outside top-p (the mass
 * ranked above it), or its mid-PIT value u and the variance u has there.
 */
function place(list: [number, number][], rank: number, sampling: Receipt['sampling'], tolerance: AuditTolerance): {u: number; variance: number} | {before: number} {
  // Top-p: the first tokens whose mass reaches topP (at least one), as llama.cpp keeps them.
  let kept = 0;
  let mass = 0;
  while (kept < list.length && (kept === 0 || mass < sampling.topP)) mass += list[kept++]![1];
  const before = list.slice(0, rank).reduce((a, [, p]) => a + p, 0);
  if (rank >= kept) {
    if (before >= sampling.topP + tolerance.supportEpsilon) return {before};
    kept = rank + 1;
  }
  const q = tempered(list.slice(0, kept).map(([, p]) => p), sampling.temperature);
  let below = 0;
  let second = 0;
  let u = 0.5;
  for (const [i, qi] of q.entries()) {
    const ui = below + qi / 2;
    second += qi * ui * ui;
    if (i === rank) u = ui;
    below += qi;
  }
  return {u, variance: second - 0.25};
}

/** Probabilities p (at temperature 1) at temperature t, renormalised: q ∝ p^(1/t), in log space. */
function tempered(p: number[], t: number): number[] {
  const logs = p.map((x) => Math.log(Math.max(x, 1e-300)) / t);
  const max = Math.max(...logs);
  const e = logs.map((l) => Math.exp(l - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}
