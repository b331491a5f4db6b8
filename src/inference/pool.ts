/**
 * A pool of N slots (context sequences) with a bounded wait queue: past
 * `maxQueue` waiters, `acquire` refuses at once with CocoonError('BUSY').
 */
import {CocoonError} from '../errors.js';

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (error: unknown) => void;
}

/** Slots handed out one request at a time, first come first served. */
export class SlotPool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  /**
   * @param items the slots (e.g. context sequences)
   * @param maxQueue most requests allowed to wait for a slot
   */
  constructor(
    items: T[],
    readonly maxQueue: number,
  ) {
    this.free = [...items];
    this.size = items.length;
  }

  /** Number of slots. */
  readonly size: number;

  /** Slots in use. */
  get active(): number {
    return this.size - this.free.length;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Throw BUSY now if a new request could neither run nor wait. */
  ensureCapacity(): void {
    if (this.closed) throw new CocoonError('MODEL_ERROR', 'The engine has been disposed.');
    if (this.free.length === 0 && this.waiters.length >= this.maxQueue) {
      throw new CocoonError('BUSY', `Engine busy: ${this.size} generations running and ${this.waiters.length} queued.`, {
        hint: 'Retry shortly, or start the engine with more parallel sequences or a longer queue.',
        details: {active: this.active, queued: this.queued, maxQueue: this.maxQueue},
      });
    }
  }

  /**
   * Take a slot, waiting in the queue if none is free. If `signal` aborts while
   * waiting, the request leaves the queue and the promise rejects with `signal.reason`.
   */
  acquire(signal?: AbortSignal): Promise<T> {
    this.ensureCapacity();
    const item = this.free.pop();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter<T> = {
        resolve: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, {once: true});
    });
  }

  /** Give a slot back; the oldest waiter gets it. */
  release(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.free.push(item);
  }

  /** Refuse all waiters with `error` and accept no more requests. */
  close(error: unknown): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
