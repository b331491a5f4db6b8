import type {Address} from '@ton/core';
import type {ChatMessage} from '../protocol/messages.js';
import type {Prices, SamplingParams} from '../protocol/wire.js';
import type {VoucherBook} from './voucher-book.js';
import type {Transport} from './http-transport.js';

/** The provider's keys, from its registry record. */
export interface ProviderKeys {
  /** X25519 key queries are sealed to. */
  x25519PublicKey: Uint8Array;
  /** Ed25519 key that signs receipts and info. */
  ed25519PublicKey: Uint8Array;
  /** SHA-256 of the model the record registers: a receipt naming another model is refused. Default: not checked. */
  modelHash?: Uint8Array;
}

/** Options of a ProviderClient: one consumer, one provider, one channel. */
export interface ProviderClientOptions {
  /** Provider base URL (its registry endpoint). Required. */
  endpoint: string;
  /** Provider keys from the registry record. Required. */
  provider: ProviderKeys;
  /** The payment channel to this provider. Required. */
  channel: Address;
  /** Consumer's Ed25519 secret (32-byte seed or 64-byte key) that signs vouchers for the channel. Required. */
  voucherKey: Uint8Array;
  /** Cumulative nanoGRAM already signed for this channel (the newest voucher), for the default in-memory book. Default: 0n. */
  paid?: bigint;
  /**
   * Where the channel's signed total is counted (voucher-book.ts): share one
   * StoredVoucherBook between processes that use the same channel. Default: a
   * MemoryVoucherBook starting at `paid`.
   */
  book?: VoucherBook;
  /** The channel's life counter and network id, which every voucher signs (contracts v2). Defaults 1 and mainnet's. */
  epoch?: number;
  globalId?: number;
  /** HTTP client. Default: node:http with a keep-alive agent (http-transport.ts), cheaper per request than globalThis.fetch. */
  fetch?: typeof fetch;
  /** What requests go through, before `fetch`: a `libp2p://` endpoint's is p2p-transport.ts transportForRecord. Default: as `fetch` says. */
  transport?: Transport;
  /** Limit on a whole query, first byte to final frame, ms. Default: 300,000. */
  timeoutMs?: number;
  /** Proof-of-work bits to solve. Default: the difficulty in the provider's info once info() was called, else 0. */
  powDifficulty?: number;
  /** Sign and post the voucher after each complete answer. Default: true. */
  autoPay?: boolean;
  /** Clock, Unix ms. Default: Date.now. */
  now?: () => number;
  /** Random bytes (query ids). Default: node:crypto randomBytes. */
  random?: (n: number) => Uint8Array;
}

/** One query. Exactly one of prompt or messages. */
export interface QueryOptions {
  /** Model name the provider serves. Required. */
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  /** Texts to embed, on an embedding node (docs/protocol.md §4.3): the answer is their vectors, and maxTokens is not sent. */
  input?: string[];
  /** An embedding answer's vectors must have this many values each (the node's info says). Default: any, the same for all. */
  dimensions?: number;
  /** Upper bound on completion tokens. Required (0 with input). */
  maxTokens: number;
  /** Highest prices accepted, nanoGRAM per token; the provider refuses if its own are higher. Required. */
  maxPrice: Prices;
  /** Sampling parameters. Default: the engine's. */
  params?: SamplingParams;
  /**
   * Cancels the query at once (the connection is dropped); no voucher is signed
   * for it. Dropped after text, the provider may still list what it generated
   * as an outstanding charge, which this client later declines (a waiver, which
   * providers count): to stop an answer and pay for what arrived, use `stop`.
   */
  signal?: AbortSignal;
  /**
   * Stops the answer early and pays for what arrived: the provider is asked to
   * end it (POST /v1/cancel), and its stream closes with finish `abort` and a
   * receipt for the tokens sent, paid like any other. Before any text, or when
   * the provider does not end the stream within a few seconds, the connection is
   * dropped instead (as `signal`).
   */
  stop?: AbortSignal;
  /** Overrides the client's timeoutMs for this query: out of time before any text it fails with TIMEOUT; while text flows the answer is stopped (as `stop`). */
  timeoutMs?: number;
}
