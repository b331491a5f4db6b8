import {randomBytes} from 'node:crypto';
import {CocoonError} from '../errors.js';
import {sodium, type SodiumApi} from './sodium.js';

/*
 * libsodium's crypto_secretstream_xchacha20poly1305, with two adjustments to
 * libsodium.js's wrappers:
 *  - init_push draws its 24-byte header from libsodium's own (slow, unseedable)
 *    RNG. init_push and init_pull derive the same state from (key, header), so
 *    the sealer draws the header from node:crypto (or a test seam) and calls
 *    init_pull; the resulting state pushes exactly as init_push's would.
 *  - the wrappers malloc the 52-byte state and never free it; dispose() wipes
 *    and frees it, so a long-running provider does not leak WASM heap.
 */

const STATE_BYTES = 52;

interface RawModule {
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
}

function freeState(na: SodiumApi, state: unknown): void {
  const raw = (na as unknown as {libsodium?: RawModule}).libsodium;
  if (!raw || typeof state !== 'number') return;
  raw.HEAPU8.fill(0, state, state + STATE_BYTES);
  raw._free(state);
}

/** Encrypts the frames of one response. */
export class StreamSealer {
  private disposed = false;
  private constructor(
    private readonly na: SodiumApi,
    private readonly state: unknown,
    /** The 24-byte secretstream header to send first. */
    readonly header: Uint8Array,
  ) {}

  /** Start a stream under `key`; `header` defaults to 24 fresh random bytes. */
  static async create(key: Uint8Array, header: Uint8Array = randomBytes(24)): Promise<StreamSealer> {
    const na = await sodium();
    return new StreamSealer(na, na.crypto_secretstream_xchacha20poly1305_init_pull(header, key), header);
  }

  /** Encrypt one frame; `final` marks it with TAG_FINAL (nothing may follow). */
  push(plaintext: Uint8Array, final: boolean): Uint8Array {
    if (this.disposed) throw new CocoonError('INTERNAL', 'Response stream already closed.');
    const tag = final ? this.na.crypto_secretstream_xchacha20poly1305_TAG_FINAL : this.na.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    const out = this.na.crypto_secretstream_xchacha20poly1305_push(this.state as never, plaintext, null, tag);
    if (final) this.dispose();
    return out;
  }

  /** Wipe and free the stream state. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    freeState(this.na, this.state);
  }
}

/** Decrypts the frames of one response, in order. */
export class StreamOpener {
  private disposed = false;
  private constructor(
    private readonly na: SodiumApi,
    private readonly state: unknown,
  ) {}

  /** Start reading a stream whose 24-byte header was received. */
  static async create(key: Uint8Array, header: Uint8Array): Promise<StreamOpener> {
    const na = await sodium();
    return new StreamOpener(na, na.crypto_secretstream_xchacha20poly1305_init_pull(header, key));
  }

  /**
   * Decrypt the next frame. Any altered, reordered, dropped or replayed frame
   * fails authentication: PROTOCOL_ERROR. Only TAG_MESSAGE and TAG_FINAL are valid.
   */
  pull(ciphertext: Uint8Array): {plaintext: Uint8Array; final: boolean} {
    if (this.disposed) throw new CocoonError('PROTOCOL_ERROR', 'Data after the end of the response stream.');
    let res: false | {message: Uint8Array; tag: number};
    try {
      res = this.na.crypto_secretstream_xchacha20poly1305_pull(this.state as never, ciphertext, null) as typeof res;
    } catch {
      res = false; // the wrapper throws on a ciphertext shorter than the tag
    }
    if (!res) {
      this.dispose();
      throw new CocoonError('PROTOCOL_ERROR', 'A response frame failed authentication.');
    }
    const final = res.tag === this.na.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (!final && res.tag !== this.na.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
      this.dispose();
      throw new CocoonError('PROTOCOL_ERROR', `Unexpected secretstream tag ${res.tag}.`);
    }
    if (final) this.dispose();
    return {plaintext: res.message, final};
  }

  /** Wipe and free the stream state. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    freeState(this.na, this.state);
  }
}
