import type {InferenceEngine} from '../inference/types.js';
import type {NodeKey} from '../crypto/node-key.js';
import type {Prices} from '../protocol/wire.js';
import type {RateLimitOptions} from './admission.js';
import type {ChannelGuard} from './channel-guard.js';
import type {ChannelLedger} from './ledger.js';

/**
 * Highest proof-of-work difficulty a node asks for, bits: 2^20 hashes is about
 * a second of a consumer's CPU per query; more would price honest users out.
 */
export const MAX_POW_DIFFICULTY = 20;

/** Options of createProviderServer. */
export interface ProviderServerOptions {
  /** The engine that answers (createEngine from src/inference/engine.ts, or NullEngine). Required. */
  engine: InferenceEngine;
  /** The node's X25519 and Ed25519 keys (loadNodeKey). Required. */
  nodeKey: NodeKey;
  /** Prices in nanoGRAM per token. Required. */
  prices: Prices;
  /** Answers deposit and consumer voucher key per channel. Required. */
  guard: ChannelGuard;
  /** Channel accounts. Default: a new MemoryChannelLedger. */
  ledger?: ChannelLedger;
  /** Interface to bind. Default: '127.0.0.1' (put a TLS reverse proxy in front to expose it). */
  host?: string;
  /** TCP port. Default: 0 (an ephemeral port; read it from `url`); null binds none (libp2p only, through accept()). */
  port?: number | null;
  /** Largest request body accepted, bytes; larger ones get 413 before any decryption. Default: what a prompt at the byte bound can take (6 × context × maxPromptBytesPerToken + 64 KiB), at most 1 MiB. */
  maxBodyBytes?: number;
  /** Largest maxTokens a request may ask for. Default: 4096. */
  maxTokens?: number;
  /** Accepted clock skew of request timestamps, ± ms; also how long query ids are remembered. Default: 60,000. */
  timestampWindowMs?: number;
  /** Hashcash difficulty in leading zero bits asked of every request (advertised in /v1/info), 0 … MAX_POW_DIFFICULTY. Default: 0 (off). */
  powDifficulty?: number;
  /** A channel that has waived this many charges (answers it said it never received) is refused with TOO_MANY_WAIVERS. Default: 3. */
  maxWaived?: number;
  /**
   * The credit window of each channel (docs/protocol.md §8): answers unpaid or
   * running at once, and their unpaid charges plus running worst cases in
   * nanoGRAM. Default: 8 answers, 0.1 GRAM (100,000,000 nano).
   */
  credit?: {queries?: number; nano?: bigint};
  /** Token bucket per client address, charged by every request before it is authenticated. Default: 30 burst, 10/s. */
  rateLimit?: RateLimitOptions;
  /**
   * Token bucket per channel, charged instead of the address's once a request
   * is bound to an open channel (docs/protocol.md §10.1). Default: 400 burst,
   * 200/s, or rateLimit's figures where those are higher.
   */
  channelRateLimit?: RateLimitOptions;
  /**
   * Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed: the
   * client is the right-most hop that is not one of them. Default: none (the
   * socket peer is the client; the header is ignored).
   */
  trustedProxies?: readonly string[];
  /**
   * A prompt (or messages, roles and contents) over `contextSize ×` this many
   * bytes of UTF-8 is refused with INVALID_QUERY before it is tokenised. Default: 16.
   */
  maxPromptBytesPerToken?: number;
  /** Longest generation before the provider ends it itself (charged for what was sent). Default: 600,000 ms. */
  maxGenerationMs?: number;
  /** Text after the first piece is batched into one frame per this many ms (0: a frame per engine chunk). Default: 10. */
  coalesceMs?: number;
  /** SHA-256 (hex) of the model file the engine loaded, as the node checked it against its registration; receipts and /v1/info name it. Default: the engine's own (`model.sha256`). */
  modelSha256?: string;
  /** Software string in /v1/info. Default: 'cocoon/0.1.0'. */
  software?: string;
  /** Clock, Unix ms. Default: Date.now. */
  now?: () => number;
  /** Random bytes (secretstream headers). Default: node:crypto randomBytes. */
  random?: (n: number) => Uint8Array;
  /** Aborting it closes the server like close(). */
  signal?: AbortSignal;
}
