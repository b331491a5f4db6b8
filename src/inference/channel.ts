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

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.ended) {
        if (this.failed) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
