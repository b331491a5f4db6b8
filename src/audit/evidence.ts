/**
 * The evidence bundle (docs/audit.md §3): one JSON file per audit of one
 * provider, holding every challenge, the provider-signed receipt, the token
 * ids and the verdict, so anyone with the model file can re-verify it. Its
 * digest, what an auditor publishes on chain, is SHA-256 of the file's exact bytes.
 */
import {createHash} from 'node:crypto';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {firstIssue, RawAddressSchema} from '../protocol/schemas.js';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const u32 = z.number().int().min(0).max(2 ** 32 - 1);

const RequestSchema = z
  .object({
    model: z.string().min(1).max(256),
    prompt: z.string().max(1 << 22).optional(),
    messages: z.array(z.object({role: z.enum(['system', 'user', 'assistant']), content: z.string().max(1 << 20)}).strict()).min(1).max(1024).optional(),
    params: z
      .object({
        temperature: z.number().min(0).max(10).optional(),
        topP: z.number().gt(0).max(1).optional(),
        topK: u32.optional(),
        seed: u32.optional(),
        stop: z.array(z.string().min(1).max(256)).max(16).optional(),
        thinkBudget: z.number().int().min(0).max(1 << 20).optional(),
      })
      .strict(),
    maxTokens: z.number().int().min(1).max(1 << 20),
  })
  .strict()
  .refine((r) => (r.prompt === undefined) !== (r.messages === undefined), 'exactly one of prompt or messages');

const ChallengeSchema = z
  .object({
    request: RequestSchema,
    receipt: z.string().regex(/^([0-9a-f]{2})+$/).max(2048),
    signature: hex(64),
    tokenIds: z.array(u32).max(1 << 20),
    text: z.string().max(1 << 24),
    verdict: z.object({ok: z.boolean(), reason: z.string().max(4096)}).strict(),
  })
  .strict();

/** The bundle's schema (version 1). */
export const EvidenceBundleSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal('cocoon-audit-evidence'),
    provider: z.object({owner: RawAddressSchema, nodeKey: hex(32), model: z.string().min(1).max(256), modelHash: hex(32)}).strict(),
    period: z.object({start: z.number().int().nonnegative(), end: z.number().int().nonnegative()}).strict(),
    challenges: z.array(ChallengeSchema).max(100_000),
    summary: z.object({challenges: z.number().int().nonnegative(), failures: z.number().int().nonnegative()}).strict(),
  })
  .strict();

/** An evidence bundle. */
export type EvidenceBundle = z.infer<typeof EvidenceBundleSchema>;

/** One challenge of an embedding node: the texts, the signed receipt, the vectors as sent (base64 of their float32 big-endian frame payloads) and the verdict. */
const EmbeddingChallengeSchema = z
  .object({
    input: z.array(z.string().min(1).max(1 << 20)).min(1).max(2048),
    receipt: z.string().regex(/^([0-9a-f]{2})+$/).max(2048),
    signature: hex(64),
    vectors: z.array(z.string().max(1 << 22)).max(2048),
    verdict: z.object({ok: z.boolean(), reason: z.string().max(4096)}).strict(),
  })
  .strict();

/** The bundle of an audit of an embedding node (docs/audit.md): the same head, challenges of texts and vectors. */
export const EmbeddingEvidenceBundleSchema = EvidenceBundleSchema.extend({kind: z.literal('cocoon-embedding-evidence'), challenges: z.array(EmbeddingChallengeSchema).max(100_000)}).strict();

/** An embedding node's evidence bundle. */
export type EmbeddingEvidenceBundle = z.infer<typeof EmbeddingEvidenceBundleSchema>;
/** One challenge of an embedding bundle. */
export type EmbeddingEvidenceChallenge = EmbeddingEvidenceBundle['challenges'][number];
/** Either kind of bundle. */
export type AnyEvidenceBundle = EvidenceBundle | EmbeddingEvidenceBundle;
/** One challenge of a bundle. */
export type EvidenceChallenge = EvidenceBundle['challenges'][number];

/** The bytes a bundle is written as (two-space JSON and a newline); its digest is over exactly these. */
export function encodeEvidence(bundle: AnyEvidenceBundle): Buffer {
  return Buffer.from(JSON.stringify(bundle, null, 2) + '\n', 'utf8');
}

function evidenceJson(bytes: Uint8Array | string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new CocoonError('INVALID_INPUT', 'The evidence file is not JSON.', {hint: 'Pass the file `cocoon audit run` wrote.', cause: err});
  }
}

/** Parse a bundle file of either kind (by its `kind`); INVALID_INPUT naming the first bad field. */
export function parseAnyEvidence(bytes: Uint8Array | string): AnyEvidenceBundle {
  const json = evidenceJson(bytes);
  if ((json as {kind?: unknown} | null)?.kind !== 'cocoon-embedding-evidence') return parseEvidence(bytes);
  const parsed = EmbeddingEvidenceBundleSchema.safeParse(json);
  if (!parsed.success) throw new CocoonError('INVALID_INPUT', `The evidence file is not an embedding audit bundle (${firstIssue(parsed.error, 'bundle')}).`, {hint: 'Pass the file `cocoon audit run` wrote.'});
  return parsed.data;
}

/** Parse a (text) bundle file's bytes; INVALID_INPUT naming the first bad field. */
export function parseEvidence(bytes: Uint8Array | string): EvidenceBundle {
  const json = evidenceJson(bytes);
  const parsed = EvidenceBundleSchema.safeParse(json);
  if (!parsed.success) throw new CocoonError('INVALID_INPUT', `The evidence file is not an audit evidence bundle (${firstIssue(parsed.error, 'bundle')}).`, {hint: 'Pass the file `cocoon audit run` wrote.'});
  return parsed.data;
}

/** What an auditor publishes about a bundle (the audit board's summary fields). */
export interface EvidenceSummary {
  nodeKey: Buffer;
  modelHash: Buffer;
  challenges: number;
  failures: number;
  /** Unix seconds. */
  periodStart: number;
  periodEnd: number;
  /** SHA-256 of the bundle file's exact bytes. */
  digest: Buffer;
}

/**
 * The summary of a bundle as it states it (verifyEvidence checks that it is
 * true). Given the file's bytes, the digest is over those bytes; given a
 * parsed bundle, over encodeEvidence(bundle), the bytes `audit run` writes.
 */
export function summarizeEvidence(bundle: AnyEvidenceBundle | Uint8Array | string): EvidenceSummary {
  const bytes = typeof bundle === 'string' ? Buffer.from(bundle, 'utf8') : bundle instanceof Uint8Array ? Buffer.from(bundle) : encodeEvidence(bundle);
  const b = bundle instanceof Uint8Array || typeof bundle === 'string' ? parseAnyEvidence(bytes) : bundle;
  return {
    nodeKey: Buffer.from(b.provider.nodeKey, 'hex'),
    modelHash: Buffer.from(b.provider.modelHash, 'hex'),
    challenges: b.summary.challenges,
    failures: b.summary.failures,
    periodStart: b.period.start,
    periodEnd: b.period.end,
    digest: createHash('sha256').update(bytes).digest(),
  };
}
