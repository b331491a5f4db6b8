import {Duplex} from 'node:stream';
import type {Stream} from '@libp2p/interface';

/** Options of StreamDuplex. */
export interface StreamDuplexOptions {
  /** What `remoteAddress` says (the provider's rate limiter keys on it). Default: `p2p:<remote peer id>` where given, else `p2p`. */
  remoteAddress?: string;
  /** How often an answer's frames may leave as one write (see `writeIntervalMs`). Default: P2P_WRITE_INTERVAL_MS. */
  writeIntervalMs?: number;
}

/**
 * Over libp2p an answer's frames leave at most this often, several per write (src/provider/response-writer.ts):
 * js-libp2p's cost is per message on every hop, not per byte (docs/p2p.md, Measurements). The first frame
 * is never held; a frame waits at most this long.
 */
export const P2P_WRITE_INTERVAL_MS = Number(process.env.COCOON_P2P_WRITE_MS ?? 40);

/**
 * A libp2p stream as a node:stream Duplex with the parts of net.Socket that
 * node:http uses (timeouts, no-delay, keep-alive, ref, addresses), so the one
 * HTTP server and node:http's client run over it unchanged: a provider hands
 * it to `server.emit('connection', …)`, a consumer's agent returns it from
 * `createConnection`. Backpressure both ways: a full read buffer pauses the
 * libp2p stream (yamux stops the window), a false `send` waits for drain.
 */
export class StreamDuplex extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort = 0;
  readonly localAddress = 'p2p';
  readonly localPort = 0;
  readonly remoteFamily = 'p2p';
  /** node:http reads these on a socket. */
  readonly connecting = false;
  /** Read by the provider's ResponseWriter: write an answer's frames at most this often (0: as they come). */
  readonly writeIntervalMs: number;
  private idleMs = 0;
  private idleTimer?: NodeJS.Timeout;

  constructor(
    readonly stream: Stream,
    options: StreamDuplexOptions = {},
  ) {
    super({allowHalfOpen: true});
    this.remoteAddress = options.remoteAddress ?? 'p2p';
    this.writeIntervalMs = options.writeIntervalMs ?? P2P_WRITE_INTERVAL_MS;
    stream.addEventListener('message', (event) => {
      this.touch();
      const data = event.data instanceof Uint8Array ? event.data : event.data.subarray();
      if (!this.push(data)) stream.pause();
    });
    stream.addEventListener('remoteCloseWrite', () => this.push(null));
    stream.addEventListener('close', (event) => {
      clearTimeout(this.idleTimer);
      if (event.error) this.destroy(event.error);
      else {
        this.push(null);
        if (!this.writableFinished) this.destroy();
      }
    });
  }

  override _read(): void {
    if (this.stream.readStatus === 'paused') this.stream.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.touch();
    try {
      if (this.stream.send(chunk)) callback();
      else this.stream.onDrain().then(() => callback(), callback);
    } catch (error) {
      callback(error as Error);
    }
  }

  // node:http writes a chunk as size line, data and CRLF, corked: one libp2p message (one yamux frame, one
  // Noise frame) for the three instead of three.
  override _writev(chunks: Array<{chunk: Buffer}>, callback: (error?: Error | null) => void): void {
    this._write(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), 'binary', callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.stream.close().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (this.stream.status === 'open' || this.stream.status === 'closing') {
      if (error) this.stream.abort(error);
      else this.stream.close().catch(() => this.stream.abort(new Error('closed')));
    }
    callback(error);
  }

  private touch(): void {
    if (this.idleMs > 0) this.idleTimer?.refresh();
  }

  /** net.Socket#setTimeout: 'timeout' after `ms` without traffic (0 turns it off). */
  setTimeout(ms: number, onTimeout?: () => void): this {
    clearTimeout(this.idleTimer);
    this.idleMs = ms;
    // As net.Socket: 0 removes the callback instead of adding it (node:http calls this once per request).
    if (onTimeout) {
      if (ms === 0) this.removeListener('timeout', onTimeout);
      else this.once('timeout', onTimeout);
    }
    if (ms > 0) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), ms);
      this.idleTimer.unref();
    }
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  address(): {address: string; family: string; port: number} {
    return {address: this.localAddress, family: 'p2p', port: 0};
  }
}
