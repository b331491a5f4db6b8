/**
 * Turns a GenerateRequest into the exact tokens the model will read: a plain
 * prompt as is, chat messages through the model's chat template when it has
 * one, or a plain "role: text" transcript when it has none.
 */
import {CocoonError} from '../errors.js';
import type {ChatHistoryItem, ChatWrapper, LlamaCompletionGenerationOptions, LlamaModel, Token} from 'node-llama-cpp';
import type {ChatMessage, GenerateRequest} from './types.js';

/** One stop trigger as LlamaCompletion takes it. */
export type StopTrigger = NonNullable<LlamaCompletionGenerationOptions['customStopTriggers']>[number];

/** A request ready for LlamaCompletion. */
export interface RenderedPrompt {
  /** Input tokens, without the beginning token LlamaCompletion prepends itself. */
  tokens: Token[];
  /** Tokens the model reads, beginning token included: what usage reports. */
  promptTokens: number;
  /** Those tokens' ids, beginning token included (what a receipt's prompt hash covers). */
  promptTokenIds: readonly number[];
  /**
   * Texts of the chat template (or the plain transcript) that end generation.
   * The request's own `stop` strings are not in here: generation adds them, so
   * one rendering serves any stop list.
   */
  templateStops: StopTrigger[];
}

/** Stop string of the plain transcript used for models without a chat template. */
export const PLAIN_CHAT_STOP = '\nuser:';

/**
 * The token llama.cpp puts before a prompt (mirrors node-llama-cpp's
 * LlamaCompletion, which prepends it to its input), or null.
 */
export function beginningToken(model: LlamaModel): Token | null {
  const type = model.vocabularyType as string;
  if (type === 'rwkv' || type === 'ugm') return null;
  if (type === 'wpm') return model.tokens.bos;
  return model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
}

/**
 * Tokenize plain text the way llama.cpp's own tools do: special-token markup is
 * kept as text, and SentencePiece's leading space stays (LlamaCompletion would
 * trim it when given a string, which splits the first word badly, e.g. "O|n|ce").
 */
export function tokenizePlain(model: LlamaModel, text: string): Token[] {
  return model.tokenize(text, false);
}

function plainTranscript(messages: ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}\n`).join('') + 'assistant:';
}

/** The part of a request that rendering reads. */
export type PromptInput = Pick<GenerateRequest, 'prompt' | 'messages'>;

/** A copy of a request's input, so later changes to the caller's objects do not alter it. */
export function copyInput(request: PromptInput): PromptInput {
  return Array.isArray(request.messages)
    ? {messages: request.messages.map((m) => ({role: m.role, content: m.content}))}
    : {prompt: request.prompt};
}

/** Whether two requests have the same prompt, or the same messages (role and content, in order). */
export function sameInput(a: PromptInput, b: PromptInput): boolean {
  if (a.prompt !== b.prompt) return false;
  if (a.messages === undefined || b.messages === undefined) return a.messages === b.messages;
  return a.messages.length === b.messages.length && a.messages.every((m, i) => m.role === b.messages![i]!.role && m.content === b.messages![i]!.content);
}

/** Render and tokenize a request's input. Throws INVALID_INPUT for malformed input. */
export function renderPrompt(model: LlamaModel, chatWrapper: ChatWrapper | null, request: PromptInput): RenderedPrompt {
  const hasPrompt = typeof request.prompt === 'string';
  const hasMessages = Array.isArray(request.messages);
  if (hasPrompt === hasMessages) {
    throw new CocoonError('INVALID_INPUT', 'A generation needs exactly one of `prompt` or `messages`.');
  }
  const bos = beginningToken(model);
  const templateStops: StopTrigger[] = [];
  let tokens: Token[];
  if (hasPrompt) {
    tokens = tokenizePlain(model, request.prompt as string);
  } else if (chatWrapper) {
    const history: ChatHistoryItem[] = (request.messages as ChatMessage[]).map((m) =>
      m.role === 'assistant' ? {type: 'model', response: [m.content]} : {type: m.role, text: m.content},
    );
    history.push({type: 'model', response: []});
    const state = chatWrapper.generateContextState({chatHistory: history});
    tokens = state.contextText.tokenize(model.tokenizer);
    if (bos !== null && tokens[0] === bos) tokens = tokens.slice(1);
    templateStops.push(...state.stopGenerationTriggers);
  } else {
    tokens = tokenizePlain(model, plainTranscript(request.messages as ChatMessage[]));
    templateStops.push(PLAIN_CHAT_STOP);
  }
  return {tokens, promptTokens: tokens.length + (bos !== null ? 1 : 0), promptTokenIds: bos !== null ? [bos, ...tokens] : [...tokens], templateStops};
}
