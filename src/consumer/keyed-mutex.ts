import {CocoonError} from '../errors.js';

interface Slots {
  active: number;
  waiters: Array<() => void>;
}

/**
 * Runs at most `limit` tasks at once per key, the rest in arrival order. The
 * funding policy keys it by provider with a limit of 1 (one wallet operation
 * at a time); the gateway with the provider's credit window (answers a
 * channel may have running or unpaid at once, docs/protocol.md §8).
 */
export class KeyedMutex {
  private readonly keys = new Map<string, Slots>();

  /**
   * @param maxWaiting Tasks that may wait per key before new ones are refused as BUSY. Default: Infinity.
   */
  constructor(private readonly maxWaiting = Infinity) {}

  /** Tasks queued or running under `key`. */
  size(key: string): number {
    const s = this.keys.get(key);
    return s ? s.active + s.waiters.length : 0;
  }

  /** Run `task` once fewer than `limit` tasks run under `key` and every earlier one has started; an abort while waiting skips it (ABORTED). */
  async run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal, limit = 1): Promise<T> {
    const slots = this.keys.get(key) ?? {active: 0, waiters: []};
    this.keys.set(key, slots);
    if (this.size(key) > this.maxWaiting) throw new CocoonError('BUSY', `${this.size(key)} requests already wait for this provider.`, {hint: 'Retry in a moment.'});
    if (slots.active >= limit || slots.waiters.length > 0) await this.wait(slots, signal, key);
    slots.active++;
    try {
      return await task();
    } finally {
      slots.active--;
      const next = slots.waiters.shift();
      if (next) next();
      else if (slots.active === 0) this.keys.delete(key);
    }
  }

  private wait(slots: Slots, signal: AbortSignal | undefined, key: string): Promise<void> {
    const cancelled = () => new CocoonError('ABORTED', 'The request was cancelled while it waited.');
    if (signal?.aborted) return Promise.reject(cancelled());
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        slots.waiters.splice(slots.waiters.indexOf(go), 1);
        if (slots.active === 0 && slots.waiters.length === 0) this.keys.delete(key);
        reject(cancelled());
      };
      slots.waiters.push(go);
      signal?.addEventListener('abort', onAbort, {once: true});
    });
  }
}
