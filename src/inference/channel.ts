/**
 * A push-to-pull bridge: a producer pushes values (from library callbacks), a
 * consumer reads them with `for await`. Unbounded, because a generation's
 * output is small and the producer must never block the model.
 */

/** A single-consumer async queue that ends with `close()` or `fail()`. */
export class Channel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake?: () => void;
  private ended = false;
  private error: unknown;
  private failed = false;

  /** Add a value. Ignored after the channel ended. */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.signal();
  }

  /** End the stream after the values already pushed. */
  close(): void {
    this.ended = true;
    this.signal();
  }

  /** End the stream with an error, thrown to the reader after the pushed values. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failed = true;
    this.error = error;
    this.close();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** A hand-written iterator: cheaper per value than an async generator (this runs once per token). */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const next = (): Promise<IteratorResult<T>> => {
      if (this.items.length > 0) return Promise.resolve({value: this.items.shift() as T, done: false});
      if (this.ended) {
        if (this.failed) {
          this.failed = false; // throw once, then report done
          return Promise.reject(this.error);
        }
        return Promise.resolve({value: undefined, done: true});
      }
      return new Promise<void>((resolve) => (this.wake = resolve)).then(next);
    };
    return {
      next,
      return: async () => {
        this.ended = true;
        this.items.length = 0;
        return {value: undefined, done: true};
      },
    };
  }
}
