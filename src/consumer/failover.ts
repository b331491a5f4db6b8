import {CocoonError} from '../errors.js';
import {ProviderError} from '../protocol/errors.js';
import type {DiscoveredProvider} from './discovery.js';

/** Options of withFailover. */
export interface FailoverOptions<T> {
  /** Providers to try, best first. Required (at least one). */
  candidates: DiscoveredProvider[];
  /** One attempt on one provider. Required. */
  attempt: (candidate: DiscoveredProvider) => Promise<T>;
  /** True once any text reached the user: from then on no other provider may answer instead. Default: never. */
  delivered?: () => boolean;
  /** Times a transient refusal (rate limited, channel busy) is retried on the same provider after its wait. Default: 2. */
  transientRetries?: number;
  /** Told when a provider fails and the next one is tried. */
  onFallback?: (candidate: DiscoveredProvider, error: ProviderError) => void;
  signal?: AbortSignal;
  /** Waits, ms (tests pass a fake clock). Default: setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Wait `ms`; an abort ends the wait with ABORTED. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(new CocoonError('ABORTED', 'Cancelled while waiting to retry.'));
    }
    signal?.addEventListener('abort', onAbort, {once: true});
  });
}

/**
 * The one failover rule of the consumer, used by `ask()` and the gateway: a
 * provider that refuses for a moment (rate limited, channel busy) is asked
 * again after the wait it names; one that fails in a way that cost nothing
 * (`ProviderError.retryable`) is replaced by the next candidate, unless text
 * already reached the user or the caller gave up. Anything else is thrown.
 */
export async function withFailover<T>(options: FailoverOptions<T>): Promise<T> {
  const wait = options.sleep ?? sleep;
  const retries = options.transientRetries ?? 2;
  let lastError: ProviderError | undefined;
  for (const candidate of options.candidates) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await options.attempt(candidate);
      } catch (error) {
        if (!ProviderError.isInstance(error) || options.signal?.aborted || options.delivered?.()) throw error;
        if (error.transient && attempt < retries) {
          await wait(error.retryAfterMs ?? 500, options.signal);
          continue;
        }
        if (!error.retryable) throw error;
        lastError = error;
        options.onFallback?.(candidate, error);
        break;
      }
    }
  }
  throw lastError ?? new CocoonError('PROVIDER_UNAVAILABLE', 'No provider to ask.');
}
