import type {NodeKey} from '../crypto/node-key.js';
import type {InferenceEngine} from '../inference/types.js';
import type {Prices} from '../protocol/wire.js';
import type {Admission, ReplayCache} from './admission.js';
import type {ChannelGuard} from './channel-guard.js';
import type {ChannelCredit} from './credit.js';
import type {ChannelLedger} from './ledger.js';
import type {ProviderMetrics} from './metrics.js';
import type {VoucherCheck} from './voucher-check.js';

/** State shared by the request handlers of one provider server (options resolved to their defaults). */
export interface ServerContext {
  engine: InferenceEngine;
  /** SHA-256 (hex) of the served model file, as checked against the registration: what receipts and info name. */
  modelSha256: string;
  nodeKey: NodeKey;
  /** Current prices; replaced (never mutated) when the registration changes, so a query keeps the prices it was admitted at. */
  prices: Prices;
  /** Why queries are refused for now (the node no longer matches its registration), or undefined. */
  suspended?: string;
  guard: ChannelGuard;
  ledger: ChannelLedger;
  maxBodyBytes: number;
  maxTokens: number;
  /** Prompts over `contextSize × maxPromptBytesPerToken` bytes of UTF-8 are refused before tokenising. */
  maxPromptBytesPerToken: number;
  timestampWindowMs: number;
  powDifficulty: number;
  maxWaived: number;
  /** Charges written off across every channel of the ledger (its `waived` counts). */
  waived: number;
  maxGenerationMs: number;
  coalesceMs: number;
  software: string;
  now: () => number;
  random: (n: number) => Uint8Array;
  metrics: ProviderMetrics;
  /** Rate limits per client address (before authentication) and per channel (after). */
  admission: Admission;
  replay: ReplayCache;
  /** Per-channel account updates in order, and the answers running on each channel against its credit window. */
  credit: ChannelCredit;
  /** Voucher signatures, each distinct voucher checked once. */
  vouchers: VoucherCheck;
  /** Running generations, aborted on close(). */
  generations: Set<AbortController>;
  /** Running answers by `<raw channel>/<query id hex>`, so their consumer may stop one early (POST /v1/cancel). */
  running: Map<string, RunningAnswer>;
}

/** An answer being generated, as POST /v1/cancel finds it. */
export interface RunningAnswer {
  /** The channel's voucher key: only it may stop the answer. */
  consumerKey: Uint8Array;
  /** Ends the generation: the stream closes with finish `abort` and a receipt for what was sent. */
  stop: () => void;
}
