import type {ServerResponse} from 'node:http';
import type {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import type {DiscoveredProvider} from '../consumer/discovery.js';
import {formatPricePerMillion} from '../chain/units.js';
import type {NetworkName} from '../config/settings.js';
import {ask, type ChannelFunding} from '../consumer/ask.js';
import type {ChannelStore} from '../consumer/channel-store.js';
import type {ProviderDirectory} from './directory.js';
import {httpIo} from './http-io.js';
import type {KeyedMutex} from '../consumer/keyed-mutex.js';
import {OpenAiError} from './openai-error.js';
import type {RequestPacer} from './pacer.js';
import type {VoucherFlusher} from '../consumer/voucher-flusher.js';
import {parseCompletionRequest, type CompletionKind, type GatewayRequest, type RequestDefaults} from './request.js';
import {CompletionResponses, type ToolCallDelta} from './responses.js';
import {ReasoningStream, splitReasoning, type ReasoningPart} from './reasoning.js';
import {ToolAnswerStream} from './tool-stream.js';
import {parseToolAnswer, type ToolAnswer} from './tools.js';

/** What a completion needs from the gateway. */
export interface CompletionContext {
  client: ChainClient;
  registry: Address;
  store: ChannelStore;
  network: NetworkName;
  directory: ProviderDirectory;
  funding: ChannelFunding;
  /** Answers running at once per provider: up to its credit window (one channel per provider node). */
  locks: KeyedMutex;
  /** Keeps the gateway under each provider's per-channel rate limit. */
  pacer: RequestPacer;
  /** Posts vouchers off the critical path (they ride on the next query). */
  flusher: VoucherFlusher;
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

// Requests one ask() sends a provider: the query (its voucher rides on a later query or on the flusher's occasional post).
const REQUESTS_PER_ASK = 1;
const TRAILERS = ['x-cocoon-cost-ton', 'x-cocoon-cost-nanoton', 'x-cocoon-channel-total-ton'];
// Characters of a call's arguments per streamed delta.
const ARGUMENT_PIECE = 32;

/** A tool answer as stream deltas: per call, one naming it, then its arguments in pieces; or the text. */
function toolDeltas(answer: ToolAnswer): Array<{toolCalls: ToolCallDelta[]} | {text: string}> {
  if (answer.kind === 'text') return answer.content ? [{text: answer.content}] : [];
  return answer.calls.flatMap((call, index) => {
    const args = call.function.arguments;
    const pieces = [];
    for (let i = 0; i < args.length; i += ARGUMENT_PIECE) pieces.push({toolCalls: [{index, function: {arguments: args.slice(i, i + ARGUMENT_PIECE)}}]});
    return [{toolCalls: [{index, id: call.id, type: 'function' as const, function: {name: call.function.name, arguments: ''}}]}, ...pieces];
  });
}

/**
 * ask()'s `around`: each attempt holds one of its provider node's slots (its
 * credit window) for the whole query and is paced under its rate limit.
 */
export function inProviderSlot(ctx: CompletionContext, signal: AbortSignal, onAttempt: (record: DiscoveredProvider['record']) => void) {
  return <T>(candidate: DiscoveredProvider, attempt: () => Promise<T>): Promise<T> => {
    onAttempt(candidate.record);
    const key = `${candidate.record.owner.toRawString()}.${candidate.record.nodeKey.toString('hex')}`;
    const window = candidate.live?.info.credit.queries ?? 1;
    return ctx.locks.run(key, async () => {
      await ctx.pacer.take(key, REQUESTS_PER_ASK, signal);
      return attempt();
    }, signal, window);
  };
}

async function noProvider(ctx: CompletionContext, request: GatewayRequest): Promise<OpenAiError> {
  if (!(await ctx.directory.knows(request.model))) {
    const embeds = await ctx.directory.knows(request.model, 'embeddings');
    return new OpenAiError(404, embeds ? `The model '${request.model}' is served for embeddings only (/v1/embeddings): no chat node of it is registered.` : `The model '${request.model}' does not exist or no provider on the network serves it.`, 'invalid_request_error', 'model_not_found', 'model');
  }
  const f = request.filter;
  if ((await ctx.directory.candidates(f)).length === 0) {
    const limits = [f.maxCompletionPrice !== undefined && `max_price ${formatPricePerMillion(f.maxCompletionPrice)} GRAM per 1M tokens`, f.architecture && `architecture ${f.architecture}`, f.provider && 'the given provider']
      .filter(Boolean)
      .join(', ');
    return new OpenAiError(404, `No provider serves '${request.model}' within ${limits}.`, 'invalid_request_error', 'no_matching_provider', 'model');
  }
  ctx.directory.invalidate();
  return new OpenAiError(503, `No provider of '${request.model}' answers right now.`, 'server_error', 'provider_unavailable');
}

/**
 * POST /v1/chat/completions and /v1/completions: one paid, end-to-end
 * encrypted query through ask(), holding one of the provider's slots (its
 * credit window) for the whole query, paced under its rate limit. ask()'s failover tries
 * the next provider while nothing has reached the client. Streams open only
 * with the first text, so a failure before it is still a plain HTTP error.
 */
export async function serveCompletion(ctx: CompletionContext, kind: CompletionKind, body: unknown, res: ServerResponse, signal: AbortSignal, outcome: CompletionOutcome): Promise<void> {
  const request = parseCompletionRequest(kind, body, ctx.defaults);
  const out = new CompletionResponses(kind, ctx.network);
  const candidates = (await ctx.directory.candidates(request.filter)).filter((p) => p.live);
  if (candidates.length === 0) throw await noProvider(ctx, request);
  let streaming = false;
  let answering: DiscoveredProvider['record'] | undefined;
  // Thoughts of reasoning models go to reasoning_content (chat text answers only: JSON and tool answers have none).
  const thoughts = kind === 'chat' && !request.tools && !request.params.format ? new ReasoningStream() : undefined;
  // A streamed tool answer is read as it comes: each call's name, then its arguments, go out as the model writes them.
  const calls = request.tools && request.stream ? new ToolAnswerStream() : undefined;
  const sendParts = (model: string, parts: ReasoningPart[]) => {
    for (const p of parts) httpIo.sendEvent(res, out.chunk(model, p.kind === 'reasoning' ? {reasoning: p.text} : {text: p.text}, request.includeUsage));
  };
  const open = () => {
    if (streaming || !answering) return;
    streaming = true;
    httpIo.openEvents(res, out.providerHeaders(answering.owner, answering.model), TRAILERS);
    if (kind === 'chat') httpIo.sendEvent(res, out.chunk(answering.model, {opener: true}, request.includeUsage));
  };
  try {
    const result = await ask({
      client: ctx.client,
      registry: ctx.registry,
      store: ctx.store,
      prompt: request.prompt,
      messages: request.messages,
      maxTokens: request.maxTokens,
      temperature: request.temperature,
      params: request.params,
      filter: request.filter,
      candidates,
      funding: ctx.funding,
      flusher: ctx.flusher,
      around: inProviderSlot(ctx, signal, (record) => {
        answering = record;
        outcome.provider = record.owner;
        outcome.model = record.model;
      }),
      onFallback: () => ctx.directory.invalidate(),
      onText: request.stream
        ? (text) => {
            open();
            if (thoughts) sendParts(answering!.model, thoughts.push(text));
            else if (calls) for (const part of calls.push(text)) httpIo.sendEvent(res, out.chunk(answering!.model, part, request.includeUsage));
            else httpIo.sendEvent(res, out.chunk(answering!.model, {text}, request.includeUsage));
          }
        : undefined,
      // A client that leaves mid-answer stops it: the provider ends it and what was sent is paid, as OpenAI bills a cut-off stream.
      stop: signal,
    });
    outcome.cost = result.cost;
    const answer = request.tools ? parseToolAnswer(result.text) : undefined;
    if (!request.stream) {
      httpIo.sendJson(res, 200, out.body(result, answer, thoughts ? splitReasoning(result.text) : undefined), {...out.providerHeaders(result.provider.address, result.provider.model), ...out.costHeaders(result)});
      return;
    }
    open();
    if (thoughts) sendParts(result.provider.model, thoughts.end());
    // Nothing recognisable streamed (an answer cut before its first call or text): what there is goes out as text.
    const streamedNothing = calls !== undefined && calls.calls === 0 && !calls.sawContent;
    if (answer && streamedNothing) for (const part of toolDeltas(answer)) httpIo.sendEvent(res, out.chunk(result.provider.model, part, request.includeUsage));
    const called = calls ? calls.calls > 0 : answer?.kind === 'calls';
    const finish = called && result.finishReason !== 'length' ? 'tool_calls' : result.finishReason;
    httpIo.sendEvent(res, out.chunk(result.provider.model, {finish}, request.includeUsage, {cocoon: {...out.cocoon(result), cost_ton: out.usage(result).cost_ton}}));
    if (request.includeUsage) httpIo.sendEvent(res, out.usageChunk(result));
    httpIo.sendEvent(res, '[DONE]');
    res.addTrailers(out.costHeaders(result));
    res.end();
  } catch (error) {
    if (!streaming) throw error;
    // The stream has begun: the error goes in an event, as OpenAI sends it; SDKs raise it. Nothing was paid.
    const failure = OpenAiError.from(error);
    outcome.error = failure.message;
    httpIo.sendEvent(res, failure.body());
    res.end();
  }
}
