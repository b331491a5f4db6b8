import type {Usage} from '../inference/types.js';
import type {Prices} from './wire.js';

/** cost = promptTokens × prompt price + completionTokens × completion price (nanoTON). */
export function queryCost(usage: Usage, prices: Prices): bigint {
  return BigInt(usage.promptTokens) * prices.prompt + BigInt(usage.completionTokens) * prices.completion;
}

/** The most a query can cost: its counted prompt and every allowed completion token. */
export function worstCaseCost(promptTokens: number, maxTokens: number, prices: Prices): bigint {
  return queryCost({promptTokens, completionTokens: maxTokens}, prices);
}

/** True when the consumer's ceiling covers the provider's prices on both counts. */
export function priceAccepted(maxPrice: Prices, prices: Prices): boolean {
  return maxPrice.prompt >= prices.prompt && maxPrice.completion >= prices.completion;
}
