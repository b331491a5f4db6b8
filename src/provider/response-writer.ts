import type {ServerResponse} from 'node:http';

/**
 * The bytes of one /v1/query answer, with fewer writes: the preamble (and the
 * status line and headers with it) leaves with the first frame, in one write
 * and one HTTP chunk, or alone after `holdMs` when no frame is ready by then,
 * so a consumer waiting on a slow first token still sees the answer begin
 * within that. Write coalescing only: the bytes on the wire are the same.
 */
export class ResponseWriter {
  private preamble: Uint8Array | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    preamble: Uint8Array,
    holdMs: number,
  ) {
    this.preamble = preamble;
    this.timer = setTimeout(() => {
      const head = this.take();
      if (head && !res.destroyed && !res.writableEnded) res.write(head);
    }, holdMs);
    this.timer.unref();
  }

  /** Write `frames` (after the preamble, if it has not left yet); false when the socket wants a drain first. */
  write(...frames: Uint8Array[]): boolean {
    return this.res.write(this.joined(frames));
  }

  /** Write the last `frames` and end the answer. */
  end(...frames: Uint8Array[]): void {
    this.res.end(this.joined(frames));
  }

  /** Stop the preamble's timer (the answer is over, or was never sent). */
  dispose(): void {
    clearTimeout(this.timer);
  }

  private joined(frames: Uint8Array[]): Uint8Array {
    const head = this.take();
    if (head) frames.unshift(head);
    return frames.length === 1 ? frames[0]! : Buffer.concat(frames);
  }

  private take(): Uint8Array | undefined {
    const head = this.preamble;
    if (head) {
      this.preamble = undefined;
      clearTimeout(this.timer);
    }
    return head;
  }
}
