/**
 * Audits of embedding nodes (docs/audit.md §8): challenge texts sent as any
 * consumer embeds them, each vector compared with the registered model's own
 * for the same text. A node serving another model (or its own vectors of
 * other texts) gives vectors far from the registered model's; an honest one,
 * the same vectors up to floating-point differences between machines.
 */
import {randomInt} from 'node:crypto';
import type {PreparedEmbedding} from '../inference/types.js';
import {decodeFramePayload, encodeVectorPayload} from '../protocol/frames.js';
import {decodeReceipt, inputHash, vectorsHash, verifyReceipt} from '../protocol/receipt.js';
import type {Receipt} from '../protocol/wire.js';
import {isCocoonError} from '../errors.js';
import type {AuditedProvider} from './auditor.js';
import type {EmbeddingEvidenceBundle, EmbeddingEvidenceChallenge} from './evidence.js';
import type {RandomInt} from './challenge.js';

/** The registered model, loaded for embedding (an embedder: src/inference/embedder.ts). */
export interface Reembedder {
  model: {sha256: string};
  prepareEmbedding(input: readonly string[]): Promise<PreparedEmbedding>;
  embed(prepared: PreparedEmbedding, signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Least cosine similarity between a node's vector and the registered model's for the same text. */
export const DEFAULT_MIN_COSINE = 0.99;

const SUBJECTS = ['a little cat', 'the old boat', 'a red ball', 'two friends', 'the big tree', 'a brave fox', 'the snowy hill', 'a shiny stone', 'the farm', 'a kite'];
const ACTIONS = ['found a secret', 'went to the park', 'sang by the river', 'waited for the rain', 'lost a key', 'saw the moon', 'made a cake', 'flew over the sea'];
const ENDINGS = ['and smiled.', 'all day long.', 'before dinner.', 'with a friend.', 'in the morning.', 'and went home.'];

/** Texts of one challenge: 1–4 short sentences like ordinary traffic, drawn at random. */
export function embeddingChallenge(random: RandomInt = (n) => randomInt(n)): string[] {
  const pick = <T>(list: readonly T[]) => list[random(list.length)]!;
  return Array.from({length: 1 + random(4)}, () => `${pick(SUBJECTS)} ${pick(ACTIONS)} ${pick(ENDINGS)}`.replace(/^./, (c) => c.toUpperCase()));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

const base64Vector = (v: Float32Array) => Buffer.from(encodeVectorPayload(v).subarray(1)).toString('base64');

function decodeVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const frame = decodeFramePayload(Buffer.concat([Uint8Array.of(4), bytes]));
  if (frame.type !== 'vector') throw new Error('not a vector');
  return frame.vector;
}

/** Whether the challenge's receipt binds what it holds; a reason when not (then it is no evidence either way). */
function integrity(c: EmbeddingEvidenceChallenge, receipt: Receipt, vectors: Float32Array[]): string | undefined {
  if (!inputHash({input: c.input, params: {}, maxTokens: 0}).equals(Buffer.from(receipt.inputHash))) return 'the receipt answers other texts';
  if (!vectorsHash(c.vectors.map((v) => Buffer.from(v, 'base64'))).equals(Buffer.from(receipt.textHash))) return 'the vectors are not the ones the receipt hashes';
  if (vectors.length !== c.input.length) return `${vectors.length} vectors for ${c.input.length} texts`;
  return undefined;
}

/** The verdict on one answered challenge: each vector against the registered model's. */
async function judge(reembedder: Reembedder, input: string[], vectors: Float32Array[], minCosine: number): Promise<{ok: boolean; reason: string}> {
  const own = await reembedder.embed(await reembedder.prepareEmbedding(input));
  const worst = Math.min(...own.map((v, i) => (vectors[i]!.length === v.length ? cosine(v, vectors[i]!) : -Infinity)));
  const sized = vectors.every((v) => v.length === own[0]!.length);
  if (!sized) return {ok: false, reason: `vectors of ${vectors[0]!.length} values; the registered model's have ${own[0]!.length}`};
  return worst >= minCosine ? {ok: true, reason: `every vector within cosine ${worst.toFixed(4)} of the registered model's`} : {ok: false, reason: `a vector at cosine ${worst.toFixed(4)} of the registered model's (at least ${minCosine} expected)`};
}

/** What one challenge's paid answer gives: the vectors and the signed receipt (an EmbedResult does). */
export interface EmbedAnswer {
  vectors: Float32Array[];
  receipt: {bytes: string; signature: string};
}

/** Options of runEmbeddingAudit. */
export interface RunEmbeddingAuditOptions {
  provider: AuditedProvider;
  /** Sends texts the way any consumer embeds them, to this node only. */
  embed: (input: string[]) => Promise<EmbedAnswer>;
  /** The registered model, loaded for embedding (its hash must be provider.modelHash). */
  reembedder: Reembedder;
  challenges: number;
  stopAfterFailures?: number;
  minCosine?: number;
  random?: RandomInt;
  onChallenge?: (index: number, challenge: EmbeddingEvidenceChallenge) => void;
  now?: () => number;
}

/** Run the challenges one after another; the bundle holds every answered one with its verdict. */
export async function runEmbeddingAudit(options: RunEmbeddingAuditOptions): Promise<{bundle: EmbeddingEvidenceBundle; unanswered: {input: string[]; error: string}[]}> {
  const now = options.now ?? Date.now;
  if (options.reembedder.model.sha256 !== options.provider.modelHash) {
    throw new Error(`The auditor's model (${options.reembedder.model.sha256}) is not the one the provider registered (${options.provider.modelHash}).`);
  }
  const start = Math.floor(now() / 1000);
  const challenges: EmbeddingEvidenceChallenge[] = [];
  const unanswered: {input: string[]; error: string}[] = [];
  for (let i = 0; i < options.challenges; i++) {
    const input = embeddingChallenge(options.random);
    let answer: EmbedAnswer;
    try {
      answer = await options.embed(input);
    } catch (err) {
      unanswered.push({input, error: isCocoonError(err) ? err.message : (err as Error).message});
      continue;
    }
    const verdict = await judge(options.reembedder, input, answer.vectors, options.minCosine ?? DEFAULT_MIN_COSINE);
    const challenge = {input, receipt: answer.receipt.bytes, signature: answer.receipt.signature, vectors: answer.vectors.map(base64Vector), verdict};
    challenges.push(challenge);
    options.onChallenge?.(i, challenge);
    if (options.stopAfterFailures !== undefined && challenges.filter((c) => !c.verdict.ok).length >= options.stopAfterFailures) break;
  }
  const failures = challenges.filter((c) => !c.verdict.ok).length;
  return {
    bundle: {v: 1, kind: 'cocoon-embedding-evidence', provider: {...options.provider}, period: {start, end: Math.ceil(now() / 1000)}, challenges, summary: {challenges: challenges.length, failures}},
    unanswered,
  };
}

/** Re-verify an embedding bundle offline: receipts the node's, vectors the ones they hash, verdicts as re-embedding gives them, counts its own. */
export async function verifyEmbeddingEvidence(bundle: EmbeddingEvidenceBundle, reembedder: Reembedder, minCosine = DEFAULT_MIN_COSINE): Promise<{problems: string[]; recomputed: {challenges: number; failures: number}}> {
  const problems: string[] = [];
  const nodeKey = Buffer.from(bundle.provider.nodeKey, 'hex');
  let failures = 0;
  for (const [i, c] of bundle.challenges.entries()) {
    const at = `challenge ${i + 1}`;
    const bytes = Buffer.from(c.receipt, 'hex');
    if (!verifyReceipt(bytes, Buffer.from(c.signature, 'hex'), nodeKey)) {
      problems.push(`${at}: the receipt is not signed by the provider's node key`);
      continue;
    }
    let vectors: Float32Array[];
    try {
      vectors = c.vectors.map(decodeVector);
    } catch {
      problems.push(`${at}: a vector does not decode`);
      continue;
    }
    const unsound = integrity(c, decodeReceipt(bytes), vectors);
    if (unsound) {
      problems.push(`${at}: ${unsound}, so it is no evidence`);
      continue;
    }
    const verdict = await judge(reembedder, c.input, vectors, minCosine);
    if (!verdict.ok) failures++;
    if (verdict.ok !== c.verdict.ok) problems.push(`${at}: stated ${c.verdict.ok ? 'passed' : 'failed'}, but re-embedding says ${verdict.ok ? 'it passes' : 'it fails'} (${verdict.reason})`);
  }
  const stated = bundle.challenges.filter((c) => !c.verdict.ok).length;
  if (bundle.summary.challenges !== bundle.challenges.length) problems.push(`the summary counts ${bundle.summary.challenges} challenges; the bundle holds ${bundle.challenges.length}`);
  if (bundle.summary.failures !== stated) problems.push(`the summary counts ${bundle.summary.failures} failures; the challenges state ${stated}`);
  return {problems, recomputed: {challenges: bundle.challenges.length, failures}};
}
