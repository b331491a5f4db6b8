import type {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import type {ChannelStore} from '../consumer/channel-store.js';
import type {ChannelFunding} from '../consumer/ask.js';

/** One answered HTTP request, for the operator's log. Never carries the API key or any text. */
export interface GatewayRequestEvent {
  method: string;
  path: string;
  status: number;
  ms: number;
  /** Model and provider that answered (completions). */
  model?: string;
  provider?: Address;
  /** nanoGRAM paid for the answer. */
  cost?: bigint;
  /** The error message sent, for failed requests. */
  error?: string;
}

/** Options of startGateway. */
export interface GatewayOptions {
  /** Chain of the network and its registry. Required. */
  client: ChainClient;
  registry: Address;
  /** The consumer's channels (one per provider); the gateway updates their signed totals. Required. */
  store: ChannelStore;
  /**
   * Opens channels and tops them up (the consumer's FundingPolicy: 'always' tops
   * up a channel too low for a request, 'never' answers 402). Required.
   */
  funding: ChannelFunding;
  /** Listen address. Anything but loopback requires `apiKey`. Default: 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default: 8741. */
  port?: number;
  /** Clients must send `Authorization: Bearer <apiKey>`. Default: none (loopback only). */
  apiKey?: string;
  /** Largest request body, bytes (beyond: 413). Default: 1 MiB. */
  maxBodyBytes?: number;
  /** max_tokens of a chat request that sets none. Default: 256. */
  defaultMaxTokens?: number;
  /** Requests that may wait per provider before more are refused (503). Default: 64. */
  maxQueuePerProvider?: number;
  /**
   * Requests a second the gateway sends each provider (it counts ~3 per answer).
   * Providers admit 30 at once and 10 a second per address. Default: burst 24, 9 a second.
   */
  pacing?: {burst?: number; perSecond?: number};
  /** Reuse a provider discovery (registry and liveness) younger than this, ms. Default: 5000. */
  discoveryCacheMs?: number;
  /** Audit policy (docs/audit.md): keep flagged nodes, use only audited ones, the quorum that flags. Default: flagged nodes are skipped. */
  audit?: {includeFlagged?: boolean; requireAudited?: boolean; quorum?: number};
  /** Reuse a registry read younger than this, ms. Default: discovery's (15 s). */
  registryCacheMs?: number;
  /** On close, how long answers in flight may finish before they are cut (and not paid), ms. Default: 10,000. */
  shutdownGraceMs?: number;
  /** Told after every request. */
  onRequest?: (event: GatewayRequestEvent) => void;
  /** Closes the gateway when aborted. */
  signal?: AbortSignal;
}

/** A running gateway. */
export interface Gateway {
  /** Base URL, e.g. http://127.0.0.1:8741 (the OpenAI base URL is this plus /v1). */
  url: string;
  /** Stop taking requests, let answers in flight finish (up to the grace period), then close. */
  close(): Promise<void>;
}
