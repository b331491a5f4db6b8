import {CocoonError} from '../errors.js';

/**
 * Runs tasks one at a time per key, in arrival order. The gateway and the funding policy key it by
 * provider: a provider serves one query per channel at a time (a second is
 * refused as CHANNEL_BUSY), and each answer moves the channel's signed total,
 * which the next query must start from.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, number>();

  /**
   * @param maxWaiting Tasks that may wait per key before new ones are refused as BUSY. Default: Infinity.
   */
  constructor(private readonly maxWaiting = Infinity) {}

  /** Tasks queued or running under `key`. */
  size(key: string): number {
    return this.waiting.get(key) ?? 0;
  }

  /** Run `task` once every earlier task under `key` has finished; an abort while waiting skips it (ABORTED). */
  async run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const count = this.size(key);
    if (count > this.maxWaiting) throw new CocoonError('BUSY', `${count} requests already wait for this provider.`, {hint: 'Retry in a moment.'});
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // The next task waits for this one AND the one before: releasing early on abort cannot jump the queue.
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    this.waiting.set(key, count + 1);
    try {
      await untilAborted(previous, signal);
      return await task();
    } finally {
      release();
      const left = this.size(key) - 1;
      if (left === 0) this.waiting.delete(key);
      else this.waiting.set(key, left);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new CocoonError('ABORTED', 'The request was cancelled while it waited.'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new CocoonError('ABORTED', 'The request was cancelled while it waited.'));
    signal.addEventListener('abort', onAbort, {once: true});
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
