import type {ServerResponse} from 'node:http';
import type {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import type {DiscoveredProvider} from '../consumer/discovery.js';
import {formatPricePerMillion} from '../chain/units.js';
import type {NetworkName} from '../config/settings.js';
import {ask, type AskResult} from '../consumer/ask.js';
import type {ChannelStore} from '../consumer/channel-store.js';
import {CocoonError, isCocoonError} from '../errors.js';
import type {ProviderDirectory} from './directory.js';
import type {ChannelFunding} from './funding.js';
import {httpIo} from './http-io.js';
import type {KeyedMutex} from './keyed-mutex.js';
import {OpenAiError} from './openai-error.js';
import type {RequestPacer} from './pacer.js';
import {parseCompletionRequest, type CompletionKind, type GatewayRequest, type RequestDefaults} from './request.js';
import {CompletionResponses} from './responses.js';

/** What a completion needs from the gateway. */
export interface CompletionContext {
  client: ChainClient;
  registry: Address;
  store: ChannelStore;
  network: NetworkName;
  directory: ProviderDirectory;
  funding: ChannelFunding;
  /** One query at a time per provider (per channel). */
  locks: KeyedMutex;
  /** Keeps the gateway under each provider's per-address rate limit. */
  pacer: RequestPacer;
  defaults: RequestDefaults;
  registryCacheMs?: number;
}

/** What the completion did, for the request log. */
export interface CompletionOutcome {
  model?: string;
  provider?: Address;
  cost?: bigint;
  /** Why a stream ended early (its status was already 200). */
  error?: string;
}

// Failures before any text: the next provider may do better. ask()'s own rule, plus a provider gone from the
// registry and a provider whose engine failed or whose receipt did not check out (nothing was paid either way).
const RETRYABLE = new Set(['PROVIDER_UNAVAILABLE', 'BUSY', 'TIMEOUT', 'NOT_FOUND', 'MODEL_ERROR', 'PROTOCOL_ERROR']);
// Requests one ask() sends a provider: the query and the voucher (the gateway's directory did the liveness check).
const REQUESTS_PER_ASK = 2;
const TRAILERS = ['x-cocoon-cost-ton', 'x-cocoon-cost-nanoton', 'x-cocoon-channel-total-ton'];

async function noProvider(ctx: CompletionContext, request: GatewayRequest): Promise<OpenAiError> {
  if (!(await ctx.directory.knows(request.model))) {
    return new OpenAiError(404, `The model '${request.model}' does not exist or no provider on the network serves it.`, 'invalid_request_error', 'model_not_found', 'model');
  }
  const f = request.filter;
  if ((await ctx.directory.candidates(f)).length === 0) {
    const limits = [f.maxCompletionPrice !== undefined && `max_price ${formatPricePerMillion(f.maxCompletionPrice)} TON per 1M tokens`, f.architecture && `architecture ${f.architecture}`, f.provider && 'the given provider']
      .filter(Boolean)
      .join(', ');
    return new OpenAiError(404, `No provider serves '${request.model}' within ${limits}.`, 'invalid_request_error', 'no_matching_provider', 'model');
  }
  ctx.directory.invalidate();
  return new OpenAiError(503, `No provider of '${request.model}' answers right now.`, 'server_error', 'provider_unavailable');
}

/**
 * POST /v1/chat/completions and /v1/completions: one paid, end-to-end
 * encrypted query through ask(), pinned to one provider at a time so the
 * provider's lock can be held for the whole query and its payment. Streams
 * open only with the first text, so a failure before it is still a plain HTTP
 * error, and the next provider can be tried.
 */
export async function serveCompletion(ctx: CompletionContext, kind: CompletionKind, body: unknown, res: ServerResponse, signal: AbortSignal, outcome: CompletionOutcome): Promise<void> {
  const request = parseCompletionRequest(kind, body, ctx.defaults);
  const out = new CompletionResponses(kind, ctx.network);
  const candidates = (await ctx.directory.candidates(request.filter)).filter((p) => p.live);
  if (candidates.length === 0) throw await noProvider(ctx, request);
  let streaming = false;
  try {
    let lastError: unknown;
    for (const candidate of candidates) {
      const record = candidate.record;
      outcome.provider = record.owner;
      outcome.model = record.model;
      const open = () => {
        if (streaming) return;
        streaming = true;
        httpIo.openEvents(res, out.providerHeaders(record.owner, record.model), TRAILERS);
        if (kind === 'chat') httpIo.sendEvent(res, out.chunk(record.model, {opener: true}, request.includeUsage));
      };
      let result: AskResult;
      try {
        result = await ctx.locks.run(record.owner.toRawString(), () => askPinned(ctx, request, candidate, open, res, out, signal), signal);
      } catch (error) {
        // Without a stream nothing reached the client and nothing was paid: any provider may try again.
        if (!streaming && !signal.aborted && isCocoonError(error) && RETRYABLE.has(error.code)) {
          lastError = error;
          ctx.directory.invalidate();
          continue;
        }
        throw error;
      }
      outcome.cost = result.cost;
      if (!request.stream) {
        httpIo.sendJson(res, 200, out.body(result), {...out.providerHeaders(result.provider.address, result.provider.model), ...out.costHeaders(result)});
        return;
      }
      open();
      httpIo.sendEvent(res, out.chunk(result.provider.model, {finish: result.finishReason}, request.includeUsage, {cocoon: {...out.cocoon(result), cost_ton: out.usage(result).cost_ton}}));
      if (request.includeUsage) httpIo.sendEvent(res, out.usageChunk(result));
      httpIo.sendEvent(res, '[DONE]');
      res.addTrailers(out.costHeaders(result));
      res.end();
      return;
    }
    throw lastError ?? new CocoonError('PROVIDER_UNAVAILABLE', 'No provider answered.');
  } catch (error) {
    if (!streaming) throw error;
    // The stream has begun: the error goes in an event, as OpenAI sends it; SDKs raise it. Nothing was paid.
    const failure = OpenAiError.from(error);
    outcome.error = failure.message;
    httpIo.sendEvent(res, failure.body());
    res.end();
  }
}

/** True for a refusal that passes in a moment: rate limited, or the channel still busy with the last answer. */
function transient(error: unknown): number | undefined {
  if (!isCocoonError(error)) return undefined;
  const details = (error.details ?? {}) as {wireCode?: string; retryAfterMs?: number};
  if (error.code === 'BUSY' && (details.wireCode === 'RATE_LIMITED' || details.wireCode === 'CHANNEL_BUSY')) return details.retryAfterMs ?? 500;
  // ask()'s own liveness check reports a rate-limited /v1/info only in its message.
  if (error.code === 'PROVIDER_UNAVAILABLE' && /HTTP 429/.test(error.message)) return 1000;
  return undefined;
}

/** ask() pinned to one provider, paced under its rate limit; a transient refusal before any text is retried twice. */
async function askPinned(ctx: CompletionContext, request: GatewayRequest, candidate: DiscoveredProvider, open: () => void, res: ServerResponse, out: CompletionResponses, signal: AbortSignal): Promise<AskResult> {
  const record = candidate.record;
  const provider = record.owner;
  let started = false;
  for (let attempt = 0; ; attempt++) {
    await ctx.pacer.take(provider.toRawString(), REQUESTS_PER_ASK, signal);
    try {
      return await ask({
        client: ctx.client,
        registry: ctx.registry,
        store: ctx.store,
        prompt: request.prompt,
        messages: request.messages,
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        params: request.params,
        filter: {...request.filter, provider},
        candidates: [candidate],
        registryCacheMs: ctx.registryCacheMs,
        openChannel: ctx.funding.openChannel,
        onLowBalance: ctx.funding.onLowBalance,
        onText: request.stream
          ? (text) => {
              started = true;
              open();
              httpIo.sendEvent(res, out.chunk(record.model, {text}, request.includeUsage));
            }
          : undefined,
        signal,
      });
    } catch (error) {
      const wait = transient(error);
      if (wait === undefined || started || attempt >= 2 || signal.aborted) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
