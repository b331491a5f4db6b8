import type {ServerResponse} from 'node:http';
import {performance} from 'node:perf_hooks';

/** A socket that asks for fewer, larger writes (StreamDuplex: each write is a libp2p message, whose cost is per message). */
interface BatchingSocket {
  writeIntervalMs?: number;
}

/** Held frames leave at once past this many bytes (one libp2p message is at most ~64 KiB). */
const MAX_HELD_BYTES = 32 * 1024;

/**
 * The bytes of one /v1/query answer, with fewer writes: the preamble (and the
 * status line and headers with it) leaves with the first frame, in one write
 * and one HTTP chunk, or alone after `holdMs` when no frame is ready by then,
 * so a consumer waiting on a slow first token still sees the answer begin
 * within that. On a socket with a `writeIntervalMs` (a libp2p stream), the
 * first frame leaves at once and later ones at most every `writeIntervalMs`,
 * several frames in one write, the last ones with the end. Write coalescing
 * only: the bytes on the wire are the same.
 */
export class ResponseWriter {
  private preamble: Uint8Array | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly intervalMs: number;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private lastWrite = -Infinity;
  private heldTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    preamble: Uint8Array,
    holdMs: number,
  ) {
    this.preamble = preamble;
    this.intervalMs = (res.socket as BatchingSocket | null)?.writeIntervalMs ?? 0;
    this.timer = setTimeout(() => {
      const head = this.take();
      if (head && !res.destroyed && !res.writableEnded) res.write(head);
    }, holdMs);
    this.timer.unref();
  }

  /** Write `frames` (after the preamble, if it has not left yet); false when the socket wants a drain first. */
  write(...frames: Uint8Array[]): boolean {
    const data = this.joined(frames);
    if (this.intervalMs <= 0) return this.res.write(data);
    const now = performance.now();
    if (this.held.length === 0 && now - this.lastWrite >= this.intervalMs) {
      this.lastWrite = now;
      return this.res.write(data);
    }
    this.held.push(data);
    this.heldBytes += data.byteLength;
    if (this.heldBytes >= MAX_HELD_BYTES) return this.flushHeld();
    this.heldTimer ??= setTimeout(() => this.flushHeld(), Math.max(0, this.lastWrite + this.intervalMs - now));
    return !this.res.writableNeedDrain;
  }

  /** Write the last `frames` (after any held ones) and end the answer. */
  end(...frames: Uint8Array[]): void {
    const data = this.joined(frames);
    clearTimeout(this.heldTimer);
    const held = this.held;
    this.held = [];
    this.res.end(held.length === 0 ? data : Buffer.concat([...held, data]));
  }

  /** Stop the timers (the answer is over, or was never sent); frames still held are dropped. */
  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.heldTimer);
    this.held = [];
  }

  private flushHeld(): boolean {
    clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.lastWrite = performance.now();
    if (held.length === 0) return !this.res.writableNeedDrain;
    if (this.res.destroyed || this.res.writableEnded) return false;
    return this.res.write(held.length === 1 ? held[0]! : Buffer.concat(held));
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
