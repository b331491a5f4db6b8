import type {Usage} from './messages.js';
import type {Prices} from './wire.js';

/** cost = promptTokens × prompt price + completionTokens × completion price (nanoGRAM). */
export function queryCost(usage: Usage, prices: Prices): bigint {
  return BigInt(usage.promptTokens) * prices.prompt + BigInt(usage.completionTokens) * prices.completion;
}

/**
 * The most a query can cost: its prompt tokens and every allowed completion
 * token. The provider passes the tokens it counted; the consumer, which has no
 * tokenizer, passes estimatePromptTokens() (never fewer than the real count).
 */
export function worstCaseCost(promptTokens: number, maxTokens: number, prices: Prices): bigint {
  return queryCost({promptTokens, completionTokens: maxTokens}, prices);
}

/** Completion tokens a query can really produce: what it asked for, but never more than the context holds. */
export function completionBound(maxTokens: number, contextSize: number): number {
  return contextSize > 0 ? Math.min(maxTokens, contextSize) : maxTokens;
}

/** Room for the chat template's tokens around the messages, in the consumer's estimate. */
export const TEMPLATE_TOKEN_ALLOWANCE = 64;

/**
 * An upper bound on a prompt's tokens without a tokenizer: every UTF-8 byte a
 * token (no tokenizer makes more tokens than bytes), plus the chat template's.
 */
export function estimatePromptTokens(input: {prompt?: string; messages?: ReadonlyArray<{role: string; content: string}>; input?: readonly string[]}): number {
  // Texts to embed: each its bytes and a beginning and an end token.
  if (input.input !== undefined) return input.input.reduce((n, t) => n + Buffer.byteLength(t) + 2, 0);
  const text = input.prompt ?? (input.messages ?? []).map((m) => `${m.role}: ${m.content}\n`).join('');
  return Buffer.byteLength(text) + TEMPLATE_TOKEN_ALLOWANCE;
}

/** True when the consumer's ceiling covers the provider's prices on both counts. */
export function priceAccepted(maxPrice: Prices, prices: Prices): boolean {
  return maxPrice.prompt >= prices.prompt && maxPrice.completion >= prices.completion;
}

/** UTF-8 size of what a provider tokenises: the prompt, or every message's role and content (the byte bound, docs/protocol.md §10.2). */
export function promptBytes(q: {prompt?: string; messages?: readonly {role: string; content: string}[]; input?: readonly string[]}): number {
  if (q.prompt !== undefined) return Buffer.byteLength(q.prompt, 'utf8');
  if (q.input !== undefined) return q.input.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  let n = 0;
  for (const m of q.messages ?? []) n += Buffer.byteLength(m.role, 'utf8') + Buffer.byteLength(m.content, 'utf8');
  return n;
}
