import {randomBytes} from 'node:crypto';
import type {Address} from '@ton/core';
import {formatTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import type {NetworkName} from '../config/settings.js';
import type {AskResult} from '../consumer/ask.js';
import type {FinishReason} from '../protocol/messages.js';
import type {CompletionKind} from './request.js';
import type {ToolAnswer} from './tools.js';

/** Why a choice ended, in OpenAI's words (an abort is a stop: the client asked for it). */
export type ChoiceFinish = FinishReason | 'tool_calls';

/** Pieces of a streamed tool-call delta: the first names the call, later ones carry more of its arguments. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function: {name?: string; arguments: string};
}

/** OpenAI's `usage`, with the cost of the answer as Cocoon's extension. */
export interface GatewayUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** OpenAI's breakdown: how many completion tokens were the model's thought (from the signed receipt). */
  completion_tokens_details: {reasoning_tokens: number};
  /** What this answer cost, in GRAM (decimal string) and nanoGRAM (integer string). */
  cost_ton: string;
  cost_nanoton: string;
}

/**
 * Builds the response bodies, stream chunks and headers of one completion,
 * in OpenAI's exact shapes (`chat.completion`, `chat.completion.chunk`,
 * `text_completion`), plus Cocoon's extension fields.
 */
export class CompletionResponses {
  /** The completion's id (`chatcmpl-…` or `cmpl-…`), also sent as x-request-id. */
  readonly id: string;
  /** Unix seconds. */
  readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly kind: CompletionKind,
    private readonly network: NetworkName,
  ) {
    this.id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`;
  }

  private address(a: Address): string {
    return formatAddress(a, this.network);
  }

  private finish(reason: ChoiceFinish): 'stop' | 'length' | 'tool_calls' {
    return reason === 'length' || reason === 'tool_calls' ? reason : 'stop';
  }

  /** usage with the cost. */
  usage(result: AskResult): GatewayUsage {
    const {promptTokens, completionTokens} = result.usage;
    return {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      completion_tokens_details: {reasoning_tokens: result.reasoningTokens},
      cost_ton: formatTon(result.cost),
      cost_nanoton: result.cost.toString(),
    };
  }

  /** Cocoon's extension on the final body or chunk: who answered, on which channel, and the receipt. */
  cocoon(result: Pick<AskResult, 'provider' | 'channel' | 'total' | 'receipt' | 'voucherPosted' | 'trust'>) {
    return {
      provider: this.address(result.provider.address),
      architecture: result.provider.architecture,
      channel: formatAddress(result.channel, this.network, {bounceable: true}),
      channel_total_ton: formatTon(result.total),
      query_id: result.receipt.queryId,
      receipt: result.receipt,
      voucher_posted: result.voucherPosted,
      trust: result.trust,
      audit: result.provider.audit.standing,
    };
  }

  /** Headers naming the provider, sent before the answer (streams) or with it. */
  providerHeaders(provider: Address, model: string): Record<string, string> {
    return {'x-request-id': this.id, 'x-cocoon-provider': this.address(provider), 'x-cocoon-model': model};
  }

  /** Headers (or stream trailers) with the cost, once it is known. */
  costHeaders(result: Pick<AskResult, 'cost' | 'total'>): Record<string, string> {
    return {'x-cocoon-cost-ton': formatTon(result.cost), 'x-cocoon-cost-nanoton': result.cost.toString(), 'x-cocoon-channel-total-ton': formatTon(result.total)};
  }

  /** The whole (non-streaming) response body; with `answer`, the chat message is the parsed tool answer. */
  body(result: AskResult, answer?: ToolAnswer, split?: {reasoning?: string; content: string}): object {
    const head = {id: this.id, object: this.kind === 'chat' ? 'chat.completion' : 'text_completion', created: this.created, model: result.provider.model};
    const calls = answer?.kind === 'calls' ? answer.calls : undefined;
    const finish_reason = this.finish(calls ? 'tool_calls' : result.finishReason);
    const message = calls
      ? {role: 'assistant', content: null, tool_calls: calls, refusal: null}
      : {
          role: 'assistant',
          content: answer?.kind === 'text' ? answer.content : (split?.content ?? result.text),
          ...(split?.reasoning === undefined ? {} : {reasoning_content: split.reasoning}),
          refusal: null,
        };
    const choice =
      this.kind === 'chat'
        ? {index: 0, message, logprobs: null, finish_reason}
        : {index: 0, text: result.text, logprobs: null, finish_reason};
    return {...head, ...(this.kind === 'chat' ? {system_fingerprint: null} : {}), choices: [choice], usage: this.usage(result), cocoon: this.cocoon(result)};
  }

  /**
   * One stream chunk. `delta` is text (or the chat role opener); `finish` ends
   * the choice; with `includeUsage` every chunk carries `usage: null` as OpenAI's do.
   */
  chunk(model: string, part: {text?: string; reasoning?: string; opener?: boolean; finish?: ChoiceFinish; toolCalls?: ToolCallDelta[]}, includeUsage: boolean, extra: object = {}): object {
    const finish_reason = part.finish ? this.finish(part.finish) : null;
    const delta = part.opener
      ? {role: 'assistant', content: ''}
      : part.toolCalls
        ? {tool_calls: part.toolCalls}
        : part.reasoning !== undefined
          ? {reasoning_content: part.reasoning}
          : part.text === undefined
            ? {}
            : {content: part.text};
    const choice =
      this.kind === 'chat'
        ? {index: 0, delta, logprobs: null, finish_reason}
        : {index: 0, text: part.text ?? '', logprobs: null, finish_reason};
    return {...this.chunkHead(model), choices: [choice], ...(includeUsage ? {usage: null} : {}), ...extra};
  }

  /** The last chunk when `stream_options.include_usage` is set: no choices, the usage. */
  usageChunk(result: AskResult): object {
    return {...this.chunkHead(result.provider.model), choices: [], usage: this.usage(result)};
  }

  private chunkHead(model: string) {
    return this.kind === 'chat'
      ? {id: this.id, object: 'chat.completion.chunk', created: this.created, model, system_fingerprint: null}
      : {id: this.id, object: 'text_completion', created: this.created, model};
  }
}
