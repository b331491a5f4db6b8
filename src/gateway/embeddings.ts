/**
 * POST /v1/embeddings: OpenAI's embeddings API over the network's embedding
 * nodes (registry kind 1). One paid, end-to-end encrypted query per request
 * through embed(), in the provider's slot like a completion; vectors as
 * floats or base64 (little-endian float32, which the openai client asks for).
 */
import type {ServerResponse} from 'node:http';
import {z} from 'zod';
import {formatTon} from '../chain/units.js';
import {embed, type EmbedResult} from '../consumer/embed.js';
import {MAX_EMBED_INPUTS} from '../protocol/wire.js';
import {inProviderSlot, type CompletionContext, type CompletionOutcome} from './completion.js';
import {httpIo} from './http-io.js';
import {OpenAiError} from './openai-error.js';
import {CocoonSchema, routingFilter, unsupported, zodError} from './request.js';
import {CompletionResponses} from './responses.js';

const EmbeddingsSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(z.unknown()).min(1).max(MAX_EMBED_INPUTS)]),
    encoding_format: z.enum(['float', 'base64']).nullish(),
    dimensions: z.number().int().positive().nullish(),
    user: z.string().nullish(),
    cocoon: CocoonSchema.optional(),
  })
  .passthrough();

/** The request's texts: a string or a list of strings (token arrays are refused: the network takes text). */
function texts(input: z.infer<typeof EmbeddingsSchema>['input']): string[] {
  const list = typeof input === 'string' ? [input] : input;
  return list.map((t, i) => {
    if (typeof t !== 'string') throw unsupported('input', 'input must be a string or an array of strings (token arrays are not supported).');
    if (t === '') throw new OpenAiError(400, `Invalid value for 'input.${i}': an empty string has nothing to embed.`, 'invalid_request_error', 'invalid_value', `input.${i}`);
    return t;
  });
}

/** A vector as OpenAI sends it: numbers, or base64 of little-endian float32. */
function encoded(vector: Float32Array, format: 'float' | 'base64'): number[] | string {
  if (format === 'float') return Array.from(vector);
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}

/** Serve one /v1/embeddings request. */
export async function serveEmbeddings(ctx: CompletionContext, body: unknown, res: ServerResponse, signal: AbortSignal, outcome: CompletionOutcome): Promise<void> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new OpenAiError(400, 'The request body must be a JSON object.', 'invalid_request_error', 'invalid_value');
  const parsed = EmbeddingsSchema.safeParse(body);
  if (!parsed.success) throw zodError(parsed.error);
  const data = parsed.data;
  const input = texts(data.input);
  const cocoon = data.cocoon ?? {};
  // An embedding has one price, per input token: max_price bounds it.
  const filter = {...routingFilter(data.model, {...cocoon, max_price: undefined, max_prompt_price: cocoon.max_prompt_price ?? cocoon.max_price}), kind: 'embeddings' as const};
  const matching = await ctx.directory.candidates(filter);
  const candidates = matching.filter((p) => p.live);
  if (matching.length === 0) {
    if (await ctx.directory.knows(data.model, 'embeddings')) {
      throw new OpenAiError(404, `No embedding node of '${data.model}' serves it within the given limits (max_price, architecture or provider).`, 'invalid_request_error', 'no_matching_provider', 'model');
    }
    const chat = await ctx.directory.knows(data.model);
    throw new OpenAiError(404, chat ? `The model '${data.model}' is served for chat and completions, not embeddings: no embedding node of it is registered.` : `The model '${data.model}' does not exist or no embedding node on the network serves it.`, 'invalid_request_error', 'model_not_found', 'model');
  }
  if (candidates.length === 0) {
    ctx.directory.invalidate();
    throw new OpenAiError(503, `No embedding node of '${data.model}' answers right now.`, 'server_error', 'provider_unavailable');
  }
  const size = candidates[0]!.live?.info.models[0]?.dimensions;
  if (data.dimensions != null && size !== undefined && data.dimensions !== size) {
    throw new OpenAiError(400, `Invalid value for 'dimensions': ${data.model}'s vectors have ${size} dimensions (shortening them is not supported).`, 'invalid_request_error', 'invalid_value', 'dimensions');
  }
  const result: EmbedResult = await embed({
    client: ctx.client,
    registry: ctx.registry,
    store: ctx.store,
    input,
    filter,
    candidates,
    funding: ctx.funding,
    flusher: ctx.flusher,
    around: inProviderSlot(ctx, signal, (record) => {
      outcome.provider = record.owner;
      outcome.model = record.model;
    }),
    onFallback: () => ctx.directory.invalidate(),
    signal,
  });
  outcome.cost = result.cost;
  const out = new CompletionResponses('completion', ctx.network);
  const format = data.encoding_format ?? 'float';
  httpIo.sendJson(
    res,
    200,
    {
      object: 'list',
      data: result.vectors.map((v, index) => ({object: 'embedding', index, embedding: encoded(v, format)})),
      model: result.provider.model,
      usage: {prompt_tokens: result.usage.promptTokens, total_tokens: result.usage.promptTokens, cost_ton: formatTon(result.cost), cost_nanoton: result.cost.toString()},
      // More than one paid query when the texts did not fit one request body of the node (receipt: the last one's).
      cocoon: {...out.cocoon(result), queries: result.queries},
    },
    {...out.providerHeaders(result.provider.address, result.provider.model), ...out.costHeaders(result)},
  );
}
