/**
 * Wire types and constants of the private query protocol, version 3.
 * docs/protocol.md is the normative description; this file is its one source
 * of truth in code. Nothing here does I/O.
 */
import type {Address} from '@ton/core';
import type {ChatMessage, FinishReason, Usage} from './messages.js';
import type {ResponseFormat} from './response-format.js';

/** Protocol version carried in every binary header. */
export const PROTOCOL_VERSION = 3;

/** "COCQ": first four bytes of every request body. */
export const REQUEST_MAGIC = Uint8Array.of(0x43, 0x4f, 0x43, 0x51);
/** "COCR": first four bytes of every response body. */
export const RESPONSE_MAGIC = Uint8Array.of(0x43, 0x4f, 0x43, 0x52);

/** Fixed size of the request header (authenticated as associated data). */
export const REQUEST_HEADER_BYTES = 128;
/** Response preamble: magic, version, 3 reserved bytes, secretstream header (24). */
export const RESPONSE_PREAMBLE_BYTES = 32;
/** Every response frame starts with a big-endian u32 length of its ciphertext. */
export const FRAME_LENGTH_BYTES = 4;
/** Largest frame ciphertext a reader accepts (1 MiB). */
export const MAX_FRAME_BYTES = 1 << 20;
/** secretstream's per-message overhead (1 tag byte + 16-byte MAC). */
export const SECRETSTREAM_ABYTES = 17;
/** Poly1305 tag of the request ciphertext. */
export const AEAD_ABYTES = 16;

/** HKDF-SHA256 `info` labels: one key per direction, so neither side's ciphertext is valid in the other direction. */
export const KDF_LABELS = {
  request: 'cocoon/v3 request',
  response: 'cocoon/v3 response',
} as const;

/** "rcpt": tag that starts every receipt, so a receipt signature can sign nothing else. */
export const RECEIPT_TAG = 0x72637074;
/** Size of an encoded receipt (docs/protocol.md §6). */
export const RECEIPT_BYTES = 298;
/** Largest completion a final frame can carry: its token ids (4 bytes each) and the rest fit one frame. */
export const MAX_FINAL_TOKENS = Math.floor((MAX_FRAME_BYTES - 17 - 2 - RECEIPT_BYTES - 64) / 4);
/** Prefix of the bytes the provider signs in GET /v1/info. */
export const INFO_SIGNING_PREFIX = 'cocoon/v3 info\n';
/** Prefix of the bytes a consumer's voucher key signs to ask POST /v1/channel (then `channel ‖ "\n" ‖ timestamp`). */
export const CHANNEL_REQUEST_SIGNING_PREFIX = 'cocoon/v3 channel request\n';
/** Prefix of the bytes the provider signs in a POST /v1/channel answer. */
export const CHANNEL_STATE_SIGNING_PREFIX = 'cocoon/v3 channel state\n';

/** Prefix of the bytes a consumer's voucher key signs to decline a charge (then `channel ‖ "\n" ‖ query id hex`). */
export const WAIVE_SIGNING_PREFIX = 'cocoon/v3 waive\n';
/** Prefix of what a voucher key signs to stop one of its channel's answers early (docs/protocol.md §7, POST /v1/cancel). */
export const CANCEL_SIGNING_PREFIX = 'cocoon/v3 cancel\n';

/** Frame payload types (first plaintext byte of a frame). */
export const FRAME_TYPE = {text: 1, final: 2, error: 3, vector: 4} as const;
/** Most inputs one embedding request may carry (as OpenAI's API). */
export const MAX_EMBED_INPUTS = 2048;
/** finishReason codes in the final frame. */
export const FINISH_CODES: Record<FinishReason, number> = {stop: 0, length: 1, abort: 2};

/** The cleartext, authenticated header of a request (docs/protocol.md §3). */
export interface RequestHeader {
  /** Protocol version (PROTOCOL_VERSION). */
  version: number;
  /** Reserved flags; 0. */
  flags: number;
  /** Consumer's clock at sealing, Unix milliseconds. */
  timestamp: number;
  /** 16 random bytes naming this query (replay protection, receipts). */
  queryId: Uint8Array;
  /** The provider X25519 public key the request is sealed to. */
  recipientKey: Uint8Array;
  /** The consumer's one-query X25519 public key. */
  ephemeralKey: Uint8Array;
  /** XChaCha20-Poly1305 nonce (24 bytes). */
  nonce: Uint8Array;
  /** Hashcash counter (u64); any value when no proof of work is asked. */
  powNonce: bigint;
}

/** Prices in nanoGRAM per token. */
export interface Prices {
  /** Per prompt token. */
  prompt: bigint;
  /** Per completion token. */
  completion: bigint;
}

/** Sampling parameters a request may set. */
export interface SamplingParams {
  temperature?: number;
  topP?: number;
  /** Keep only the K most likely tokens before top-p; 0 = the whole vocabulary. */
  topK?: number;
  seed?: number;
  stop?: string[];
  /** Structured output: generation constrained to any JSON object or to a JSON Schema (docs/protocol.md §4.1). Default: free text. */
  format?: ResponseFormat;
  /** Most thought tokens of a reasoning model (docs/protocol.md §4.2): the provider closes the thought after them. Default: no bound. */
  thinkBudget?: number;
}

/**
 * The sampler a generation actually ran with, as its receipt commits to it
 * (docs/protocol.md §6): repeat penalties off, then top-K, top-p, temperature,
 * and a seeded draw. At temperature 0 it is greedy and topP/topK have no effect.
 */
export interface SamplingUsed {
  /** As an IEEE-754 float32 (the engine's own precision). */
  temperature: number;
  /** float32. */
  topP: number;
  /** 0 = the whole vocabulary. */
  topK: number;
  /** u32; chosen by the provider when the request gave none. */
  seed: number;
}

/** The decrypted request (docs/protocol.md §4). Exactly one of prompt, messages or input. */
export interface QueryRequest {
  /** Must equal the header's query id. */
  queryId: Uint8Array;
  /** Must equal the header's timestamp. */
  timestamp: number;
  /** Payment channel that pays for this query. */
  channel: Address;
  /** Model name, as in the provider's info. */
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  /** Texts to embed (an embedding node, docs/protocol.md §4.3): no params, no maxTokens (0 here). */
  input?: string[];
  params: SamplingParams;
  /** Upper bound on completion tokens; 0 for an embedding request. */
  maxTokens: number;
  /** The highest prices the consumer accepts. */
  maxPrice: Prices;
  /**
   * The consumer's newest voucher for the channel, riding on the query
   * (docs/protocol.md §8): applied before admission, as a POST /v1/voucher
   * would be. Optional.
   */
  voucher?: {amount: bigint; signature: Uint8Array; covers?: string[]};
}

/** What the provider signs at the end of an answer (docs/protocol.md §6). */
export interface Receipt {
  queryId: Uint8Array;
  channel: Address;
  usage: Usage;
  prices: Prices;
  /** usage × prices, nanoGRAM. */
  cost: bigint;
  /** The provider's cumulative charge on the channel once this receipt is counted (every receipt issued on it, in issue order), nanoGRAM. */
  total: bigint;
  /** Provider clock, Unix milliseconds. */
  timestamp: number;
  /** SHA-256 of the GGUF file that answered (the registered model hash), 32 bytes. */
  modelHash: Uint8Array;
  /** The sampler the answer was generated with. */
  sampling: SamplingUsed;
  /** inputHash of the request's prompt or messages, params and maxTokens, as the provider read them. */
  inputHash: Uint8Array;
  /** tokenIdsHash of the prompt tokens the model read (beginning token included; promptTokens of them). */
  promptHash: Uint8Array;
  /** tokenIdsHash of the completion tokens (completionTokens of them, as in the final frame). */
  outputHash: Uint8Array;
  /** SHA-256 of the UTF-8 text the text frames carried, all of it in order (of an embedding answer: its vectors, vectorsHash). */
  textHash: Uint8Array;
  /** How many of the completion tokens are the model's thought (docs/protocol.md §4.2); at most completionTokens, 0 for models that do not think. */
  reasoningTokens: number;
}

/** A receipt with the provider's Ed25519 signature over its exact bytes. */
export interface SignedReceipt {
  receipt: Receipt;
  bytes: Uint8Array;
  signature: Uint8Array;
}

/** Error codes on the wire, plain (HTTP body) or encrypted (error frame). */
export type WireErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'TOO_LARGE'
  | 'RATE_LIMITED'
  | 'POW_REQUIRED'
  | 'WRONG_KEY'
  | 'STALE'
  | 'REPLAY'
  | 'DECRYPT_FAILED'
  | 'UNKNOWN_MODEL'
  | 'MAX_TOKENS'
  | 'INVALID_QUERY'
  | 'PRICE_TOO_LOW'
  | 'UNKNOWN_CHANNEL'
  | 'INSUFFICIENT_DEPOSIT'
  | 'CREDIT_LIMIT'
  | 'TOO_MANY_WAIVERS'
  | 'BUSY'
  | 'BAD_VOUCHER'
  | 'ENGINE_ERROR'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

/** One decoded response frame. */
export type ResponseFrame =
  | {type: 'text'; text: string}
  | {type: 'vector'; vector: Float32Array; bytes: Uint8Array}
  | {type: 'final'; finishReason: FinishReason; signed: SignedReceipt; tokenIds: number[]}
  | {type: 'error'; code: WireErrorCode; message: string; outstanding?: OutstandingReceipt[]};

/** A receipt the provider holds as not yet paid (hex), as sent with CREDIT_LIMIT and in POST /v1/channel. */
export interface OutstandingReceipt {
  receipt: string;
  signature: string;
}

/** How much unpaid work a provider grants one channel (docs/protocol.md §8). */
export interface CreditWindow {
  /** Answers unpaid or in progress at once. */
  queries: number;
  /** Unpaid charges plus in-progress worst cases, nanoGRAM (decimal string in JSON). */
  nano: bigint;
}

/** Body of POST /v1/voucher. */
export interface VoucherPost {
  channel: Address;
  /** Cumulative amount, nanoGRAM. */
  amount: bigint;
  /** Consumer's Ed25519 signature (signVoucher). */
  signature: Uint8Array;
  /** A charge the consumer declines because it never received the answer: its query id (hex) and the voucher key's signature over WAIVE_SIGNING_PREFIX ‖ channel ‖ "\n" ‖ query id. */
  waive?: {queryId: string; signature: Uint8Array};
}

/** Body of POST /v1/channel: what the provider holds for a channel, asked by its consumer. */
export interface ChannelStateRequest {
  channel: Address;
  /** Consumer clock, Unix ms; refused outside the provider's timestamp window. */
  timestamp: number;
  /** Ed25519 by the channel's voucher key over CHANNEL_REQUEST_SIGNING_PREFIX ‖ raw channel ‖ "\n" ‖ timestamp. */
  signature: Uint8Array;
}

/** What a provider holds for a channel (POST /v1/channel), signed by its node key. */
export interface ChannelHoldings {
  channel: Address;
  /** Provider clock, Unix ms. */
  time: number;
  /** The request's timestamp, echoed so an answer can't be replayed for another request. */
  request: number;
  /** Cumulative nanoGRAM covered by the newest voucher the provider holds. */
  paid: bigint;
  /** Cumulative nanoGRAM charged: paid plus the unpaid receipts. */
  owed: bigint;
  /** Charges written off because this consumer said it never received the answer. */
  waived: number;
  /** The receipts not yet covered by a voucher, oldest first. */
  outstanding: OutstandingReceipt[];
}

/** The provider's live info, signed in GET /v1/info. */
export interface ProviderInfo {
  protocol: number;
  software: string;
  time: number;
  /** `kind` 'embeddings' (and its vectors' `dimensions`) for an embedding node; absent for a chat/completions one. */
  models: {name: string; architecture: string; sha256: string; contextSize: number; kind?: 'embeddings'; dimensions?: number}[];
  /** Decimal nanoGRAM strings. */
  prices: {prompt: string; completion: string};
  load: {active: number; queued: number; parallel: number; maxQueue: number};
  keys: {x25519: string; ed25519: string};
  pow: {difficulty: number};
  limits: {maxBodyBytes: number; maxTokens: number; timestampWindowMs: number; maxPromptBytes: number};
  /** The credit window each channel gets (decimal nanoGRAM string). */
  credit: {queries: number; nano: string};
  /** Reserved for a hardware attestation quote bound to keys.x25519; null without one. */
  attestation: null | {kind: string; quote: string};
}
