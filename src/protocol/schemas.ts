/**
 * zod schemas for every JSON structure of the protocol: the decrypted request,
 * error bodies and frames, voucher posts, provider info. Decoders validate with
 * these and throw PROTOCOL_ERROR on anything else.
 */
import {z} from 'zod';
import {checkJsonSchema} from './response-format.js';
import {MAX_EMBED_INPUTS} from './wire.js';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
/** Decimal string of a non-negative integer up to 2^128 − 1 (nanoGRAM). */
// zod runs the refinement even after the regex failed: BigInt only where it parses (else "1.5" threw a SyntaxError out of safeParse).
export const NanoSchema = z.string().regex(/^(0|[1-9][0-9]{0,38})$/).refine((s) => !/^[0-9]+$/.test(s) || BigInt(s) < 1n << 128n, 'above 2^128');
/** Raw TON address "wc:hex64" with workchain 0 or -1. */
export const RawAddressSchema = z.string().regex(/^(0|-1):[0-9a-f]{64}$/);

const ChatMessageSchema = z.object({role: z.enum(['system', 'user', 'assistant']), content: z.string().max(1 << 20)}).strict();

/** `params.format`: the schema is checked against the grammar subset and its bounds (response-format.ts). */
export const ResponseFormatSchema = z
  .object({type: z.enum(['json_object', 'json_schema']), schema: z.record(z.unknown()).optional()})
  .strict()
  .superRefine((f, ctx) => {
    if (f.type === 'json_object' && f.schema !== undefined) ctx.addIssue({code: z.ZodIssueCode.custom, path: ['schema'], message: 'only with type json_schema'});
    if (f.type !== 'json_schema') return;
    if (f.schema === undefined) return ctx.addIssue({code: z.ZodIssueCode.custom, path: ['schema'], message: 'Required'});
    const checked = checkJsonSchema(f.schema);
    if (!checked.ok) ctx.addIssue({code: z.ZodIssueCode.custom, path: ['schema', ...checked.problem.path.split('/').slice(1)], message: checked.problem.message});
  });

/** The decrypted request plaintext (JSON). */
export const QueryRequestSchema = z
  .object({
    v: z.literal(3),
    queryId: hex(16),
    timestamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    channel: RawAddressSchema,
    model: z.string().min(1).max(256),
    prompt: z.string().max(1 << 22).optional(),
    messages: z.array(ChatMessageSchema).min(1).max(1024).optional(),
    // Texts to embed (docs/protocol.md §4.3), on an embedding node only.
    input: z.array(z.string().min(1).max(1 << 22)).min(1).max(MAX_EMBED_INPUTS).optional(),
    // Optional: absent means the engine's defaults (docs/protocol.md §4).
    params: z
      .object({
        temperature: z.number().min(0).max(10).optional(),
        topP: z.number().gt(0).max(1).optional(),
        topK: z.number().int().min(0).max(2 ** 32 - 1).optional(),
        seed: z.number().int().nonnegative().max(2 ** 32 - 1).optional(),
        stop: z.array(z.string().min(1).max(256)).max(16).optional(),
        // Structured output (docs/protocol.md §4.1): any JSON object, or one JSON Schema of the grammar subset.
        format: ResponseFormatSchema.optional(),
        // Most thought tokens of a reasoning model (docs/protocol.md §4.2).
        thinkBudget: z.number().int().min(0).max(1 << 20).optional(),
      })
      .strict()
      .default({}),
    maxTokens: z.number().int().min(1).max(1 << 20).optional(),
    maxPrice: z.object({prompt: NanoSchema, completion: NanoSchema}).strict(),
    voucher: z.object({amount: NanoSchema, signature: hex(64), covers: z.array(hex(16)).max(64).optional()}).strict().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ([r.prompt, r.messages, r.input].filter((x) => x !== undefined).length !== 1) return ctx.addIssue({code: z.ZodIssueCode.custom, message: 'exactly one of prompt, messages or input'});
    if (r.input === undefined) {
      if (r.maxTokens === undefined) ctx.addIssue({code: z.ZodIssueCode.custom, path: ['maxTokens'], message: 'Required'});
      return;
    }
    // An embedding generates nothing: nothing to sample, nothing to bound.
    if (r.maxTokens !== undefined) ctx.addIssue({code: z.ZodIssueCode.custom, path: ['maxTokens'], message: 'not with input (an embedding request)'});
    const key = Object.keys(r.params)[0];
    if (key !== undefined) ctx.addIssue({code: z.ZodIssueCode.custom, path: ['params', key], message: 'not with input (an embedding request)'});
  });
/** JSON form of a request plaintext. */
export type QueryRequestJson = z.infer<typeof QueryRequestSchema>;

/** The first problem of a failed parse, naming the field: "maxPrice.prompt: Required". */
export function firstIssue(error: z.ZodError, what = 'body'): string {
  const issue = error.issues[0];
  if (!issue) return 'schema';
  return `${issue.path.length > 0 ? issue.path.join('.') : what}: ${issue.message}`;
}

const OutstandingSchema = z.object({receipt: z.string().regex(/^([0-9a-f]{2})+$/).max(1024), signature: hex(64)}).strict();

const WireErrorCodeSchema = z.enum([
  'BAD_REQUEST', 'NOT_FOUND', 'TOO_LARGE', 'RATE_LIMITED', 'POW_REQUIRED', 'WRONG_KEY', 'STALE', 'REPLAY',
  'DECRYPT_FAILED', 'UNKNOWN_MODEL', 'MAX_TOKENS', 'INVALID_QUERY', 'PRICE_TOO_LOW', 'UNKNOWN_CHANNEL', 'INSUFFICIENT_DEPOSIT',
  'CREDIT_LIMIT', 'TOO_MANY_WAIVERS', 'BUSY', 'BAD_VOUCHER', 'ENGINE_ERROR', 'SHUTTING_DOWN', 'INTERNAL',
]);

/** JSON of an encrypted error frame (after the type byte). */
export const ErrorFrameSchema = z
  .object({
    code: WireErrorCodeSchema,
    message: z.string().max(4096),
    outstanding: z.array(OutstandingSchema).max(256).optional(),
  })
  .strict();

/** Plain HTTP error body, sent before decryption or outside /v1/query. */
export const ErrorBodySchema = z.object({
  error: z.object({code: WireErrorCodeSchema, message: z.string().max(4096), retryAfterMs: z.number().int().nonnegative().optional()}),
});

/** Body of POST /v1/voucher. */
export const VoucherPostSchema = z
  .object({
    v: z.literal(3),
    channel: RawAddressSchema,
    amount: NanoSchema,
    signature: hex(64),
    covers: z.array(hex(16)).max(64).optional(),
    waive: z.object({queryId: hex(16), signature: hex(64)}).strict().optional(),
  })
  .strict();

/** Body of POST /v1/cancel: stop one running answer of the channel, signed by its voucher key. */
export const CancelPostSchema = z.object({v: z.literal(3), channel: RawAddressSchema, queryId: hex(16), signature: hex(64)}).strict();

/** Body of a successful POST /v1/voucher. */
export const VoucherAckSchema = z.object({ok: z.literal(true), paid: NanoSchema, owed: NanoSchema});

/** Body of POST /v1/channel. */
export const ChannelRequestSchema = z
  .object({channel: RawAddressSchema, timestamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), signature: hex(64)})
  .strict();

/** POST /v1/channel answer: the holdings JSON as a string, and the provider's signature over it. */
export const SignedChannelStateSchema = z.object({state: z.string().max(1 << 16), signature: hex(64)}).strict();

/** The holdings inside a signed channel state. */
export const ChannelStateSchema = z
  .object({
    channel: RawAddressSchema,
    time: z.number().int().nonnegative(),
    request: z.number().int().nonnegative(),
    paid: NanoSchema,
    owed: NanoSchema,
    waived: z.number().int().nonnegative(),
    outstanding: z.array(OutstandingSchema).max(256),
  })
  .strict();

/** GET /v1/info body: the info JSON as a string, and the provider's signature over it. */
export const SignedInfoSchema = z.object({info: z.string().max(1 << 16), signature: hex(64)}).strict();

/** The provider info inside SignedInfo. */
export const ProviderInfoSchema = z.object({
  protocol: z.literal(3),
  software: z.string().max(128),
  time: z.number().int().nonnegative(),
  models: z
    .array(
      z.object({
        name: z.string(), architecture: z.string(), sha256: z.string(), contextSize: z.number().int().nonnegative(),
        kind: z.literal('embeddings').optional(), dimensions: z.number().int().positive().max(1 << 16).optional(),
      }),
    )
    .max(64),
  prices: z.object({prompt: NanoSchema, completion: NanoSchema}),
  load: z.object({
    active: z.number().int().nonnegative(),
    queued: z.number().int().nonnegative(),
    parallel: z.number().int().nonnegative(),
    maxQueue: z.number().int().nonnegative(),
  }),
  keys: z.object({x25519: hex(32), ed25519: hex(32)}),
  pow: z.object({difficulty: z.number().int().min(0).max(32)}),
  limits: z.object({
    maxBodyBytes: z.number().int().positive(),
    maxTokens: z.number().int().positive(),
    timestampWindowMs: z.number().int().positive(),
    maxPromptBytes: z.number().int().positive(),
  }),
  credit: z.object({queries: z.number().int().positive(), nano: NanoSchema}),
  attestation: z.union([z.null(), z.object({kind: z.string(), quote: z.string()})]),
});
