import {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import {ProviderError} from '../protocol/errors.js';
import {completionBound, estimatePromptTokens, promptBytes, worstCaseCost} from '../protocol/pricing.js';
import type {ChainClient} from '../chain/client.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import type {ChatMessage, FinishReason, Usage} from '../protocol/messages.js';
import type {SamplingParams, SamplingUsed} from '../protocol/wire.js';
import {ProviderClient, type TrustLevel} from './client.js';
import type {ChannelRecord, ChannelStore} from './channel-store.js';
import {viewChannel} from './channels.js';
import type {AuditStanding} from './audit-standing.js';
import {discoverProviders, forgetLiveness, rankProviders, refreshLiveness, type DiscoveredProvider, type ProviderFilter} from './discovery.js';
import {sleep, withFailover} from './failover.js';
import {StoredVoucherBook} from './voucher-book.js';
import {transportForRecord} from './p2p-transport.js';
import type {VoucherFlusher} from './voucher-flusher.js';


/** How ask() gets a channel with enough deposit (FundingPolicy is the one implementation the CLI, gateway and SDK use). */
export interface ChannelFunding {
  /** Opens a channel to a provider that has none yet (unlocks the wallet; may prompt). */
  openChannel(provider: ProviderRecord): Promise<ChannelRecord>;
  /** Called when the channel cannot cover the query's worst case: top up and resolve, or throw. */
  onLowBalance(record: ChannelRecord, remaining: bigint, needed: bigint): Promise<void>;
}

/** Options of ask. */
export interface AskOptions {
  client: ChainClient;
  registry: Address;
  store: ChannelStore;
  /** Plain prompt, or chat messages, or texts to embed (embed.ts: then the filter's kind is 'embeddings' and maxTokens 0). */
  prompt?: string;
  messages?: ChatMessage[];
  input?: string[];
  maxTokens: number;
  temperature?: number;
  /** More sampling parameters (stop strings, top-p, seed). `temperature` wins over params.temperature. Default: the provider's. */
  params?: SamplingParams;
  filter: ProviderFilter;
  /** Providers already discovered and ranked (e.g. by a gateway's cache): skips discovery and its liveness checks. Default: discover. */
  candidates?: DiscoveredProvider[];
  /** Reuse a registry read younger than this, ms (0: always read, write no cache, and probe every node). Default: 5 minutes; a refusal that looks stale reads it again. */
  registryCacheMs?: number;
  /** Reuse a node's signed /v1/info younger than this, ms (0: probe every node each time). Default: 60 s. */
  liveCacheMs?: number;
  /** Opens and tops up channels. Required. */
  funding: ChannelFunding;
  /** Each piece of text as it arrives. Once it has been called, no other provider may answer instead. */
  onText?: (text: string) => void;
  /** Told when a provider fails before any text and the next one is tried. */
  onFallback?: (provider: ProviderRecord, error: Error) => void;
  /** Trust the channel's locally known deposit for this long before reading the chain again, ms. Default: 1 hour. */
  channelCacheMs?: number;
  /** Posts vouchers off the critical path (the gateway's): each answer's voucher rides on the next query, or the flusher posts the newest soon after. Default: none, ask posts it before it returns. */
  flusher?: VoucherFlusher;
  /** Wraps each attempt on a provider (the gateway holds its per-provider slot and paces itself here). Default: none. */
  around?: <T>(provider: DiscoveredProvider, attempt: () => Promise<T>) => Promise<T>;
  /** Drops the query at once: no voucher for it (a charge the provider lists for text it had sent is declined later, as a waiver). */
  signal?: AbortSignal;
  /** Stops the answer early and pays for what arrived (QueryOptions.stop): the result then has finish `abort`. */
  stop?: AbortSignal;
}

/** A paid, verified answer. */
export interface AskResult {
  text: string;
  /** An embedding's vectors, one per input. */
  vectors?: Float32Array[];
  usage: Usage;
  /** How many of usage.completionTokens are the model's thought (the signed receipt's count, docs/protocol.md §4.2). */
  reasoningTokens: number;
  finishReason: FinishReason;
  /** nanoGRAM this answer cost, and the channel's new cumulative total. */
  cost: bigint;
  total: bigint;
  /** Who answered; `audit` is its node's standing with independent auditors (docs/audit.md), beside `trust`. */
  provider: {address: Address; model: string; architecture: string; endpoint: string; pricePrompt: bigint; priceCompletion: bigint; nodeKey: Buffer; modelHash: Buffer; audit: AuditStanding};
  channel: Address;
  receipt: {queryId: string; bytes: string; signature: string};
  /** The completion's token ids, checked against the receipt: with the request and the receipt, what an auditor re-scores (src/audit). */
  tokenIds: number[];
  /** The sampler the provider ran (signed in the receipt), its seed included. */
  sampling: SamplingUsed;
  /** Whether the provider acknowledged the voucher (false while a flusher still holds it: the next query or the flusher delivers it). */
  voucherPosted: boolean;
  trust: TrustLevel;
}

/**
 * Worst-case cost of a query on `record`: the byte-based prompt estimate and
 * every completion token that can be generated (no more than the model's
 * context holds, however many were asked for).
 */
export function queryWorstCase(record: ProviderRecord, options: Pick<AskOptions, 'prompt' | 'messages' | 'input' | 'maxTokens'>): bigint {
  if (options.input) return worstCaseCost(estimatePromptTokens(options), 0, {prompt: record.promptPrice, completion: 0n});
  return worstCaseCost(estimatePromptTokens(options), completionBound(options.maxTokens, record.contextSize), {prompt: record.promptPrice, completion: record.completionPrice});
}

/**
 * One paid, end-to-end encrypted query: find fitting providers on chain, rank
 * them, make sure a channel with enough deposit exists (opening one lazily),
 * stream the answer, verify the receipt, and pay exactly its cost with a voucher
 * whose total is saved locally before it leaves this machine. A provider that
 * fails before any text is replaced by the next one (withFailover).
 */
export async function ask(options: AskOptions): Promise<AskResult> {
  if (options.candidates) return askAmong(options, options.candidates);
  // Warm: the registry and each node's signed info come from the local cache (no chain read, no probe).
  // A refusal that says the cache was stale (no provider, none answering, a changed record) reads both afresh, once.
  const discover = (fresh: boolean) =>
    discoverProviders({
      client: options.client, registry: options.registry, filter: options.filter,
      cacheMs: fresh ? Math.min(1, options.registryCacheMs ?? 1) : (options.registryCacheMs ?? 300_000),
      liveCacheMs: fresh || options.registryCacheMs === 0 ? 0 : (options.liveCacheMs ?? 60_000),
    });
  let delivered = false;
  const watched = {...options, onText: options.onText && ((text: string) => ((delivered = true), options.onText!(text)))};
  try {
    return await askAmong(watched, await discover(false));
  } catch (error) {
    if (delivered || !staleCache(error)) throw error;
    return askAmong(watched, await discover(true));
  }
}

// What a stale cached registry or node info looks like: nobody found or answering, or a node refusing what its record said.
function staleCache(error: unknown): boolean {
  if (ProviderError.isInstance(error)) return ['PRICE_TOO_LOW', 'WRONG_KEY', 'UNKNOWN_MODEL'].includes(error.wireCode ?? '') || (error.code === 'PROVIDER_UNAVAILABLE' && error.phase === 'before-text');
  return error instanceof CocoonError && (error.code === 'NOT_FOUND' || error.code === 'PROVIDER_UNAVAILABLE');
}

async function askAmong(options: AskOptions, found: DiscoveredProvider[]): Promise<AskResult> {
  const candidates = rankProviders(found).filter((p) => p.live);
  if (candidates.length === 0) {
    const why = found.length === 0 ? 'No registered provider matches' : `None of the ${found.length} matching providers answers (${found.map((p) => p.down).join('; ')})`;
    throw new CocoonError(found.length === 0 ? 'NOT_FOUND' : 'PROVIDER_UNAVAILABLE', `${why}.`, {
      hint: options.input
        ? 'Embeddings need a node registered with --kind embeddings for this model: see `cocoon providers list` (nodes that independent auditors flagged are left out unless --include-flagged).'
        : 'Widen the filters (--model, --arch, --max-price), or see `cocoon providers list` (nodes that independent auditors flagged are left out unless --include-flagged).',
    });
  }
  // A node refuses more completion tokens than its limit: say so before any money moves.
  const limit = (p: DiscoveredProvider) => p.live?.info.limits.maxTokens ?? Infinity;
  const fitting = candidates.filter((p) => limit(p) >= options.maxTokens);
  if (fitting.length === 0) {
    const most = Math.max(...candidates.map(limit));
    throw new CocoonError('INVALID_INPUT', `${options.maxTokens} completion tokens is more than any matching provider takes (at most ${most}).`, {
      hint: `Ask for at most ${most} tokens (--max-tokens / max_tokens).`,
      details: {maxTokens: options.maxTokens, limit: most},
    });
  }
  // Nor a prompt (or one text to embed) over its byte bound (docs/protocol.md §10.2): refused here, before a channel is opened or topped up for it.
  const bytes = options.input ? Math.max(...options.input.map((t) => Buffer.byteLength(t, 'utf8'))) : promptBytes(options);
  const bound = (p: DiscoveredProvider) => p.live?.info.limits.maxPromptBytes ?? Infinity;
  const taking = fitting.filter((p) => bound(p) >= bytes);
  if (taking.length === 0) {
    const most = Math.max(...fitting.map(bound));
    throw new CocoonError('INVALID_INPUT', `${options.input ? 'An input' : 'The prompt'} is ${bytes} bytes of UTF-8; the matching providers take at most ${most}.`, {
      hint: 'Shorten the prompt, or choose a provider with a larger context (`cocoon providers list`).',
      details: {promptBytes: bytes, limit: most},
    });
  }
  let delivered = false;
  const onText = options.onText && ((text: string) => {
    delivered = true;
    options.onText!(text);
  });
  const around = options.around ?? (<T>(_p: DiscoveredProvider, attempt: () => Promise<T>) => attempt());
  return withFailover({
    // A node behind NAT may lose a query's stream before any text when its relayed connection is replaced (a DCUtR
    // upgrade closes it, or a relay dies): it gets a second try, a new query, before the next node (docs/p2p.md).
    candidates: taking.flatMap((p) => (p.record.endpoint.startsWith('libp2p://') ? [p, p] : [p])),
    attempt: (candidate) => around(candidate, () => askOne({...options, onText}, candidate)),
    delivered: () => delivered || Boolean(options.stop?.aborted),
    onFallback: (candidate, error) => {
      // Its cached info said live; the next discovery asks it again.
      if (!options.candidates) forgetLiveness({registry: options.registry}, candidate.record);
      options.onFallback?.(candidate.record, error);
    },
    signal: options.signal,
  });
}

/** The channel's terms from the local record, when they are fresh and leave room for `needed`. */
function cachedTerms(channel: ChannelRecord, maxAgeMs: number, needed: bigint): ChannelTerms | undefined {
  const known = channel.known;
  if (!known || Date.now() - Date.parse(known.at) > maxAgeMs || known.epoch !== (channel.epoch ?? known.epoch)) return undefined;
  if (BigInt(known.deposited) - BigInt(channel.paid) < needed) return undefined;
  return {epoch: known.epoch, globalId: known.globalId};
}

/** What a voucher must carry: the channel's life and network. */
interface ChannelTerms {
  epoch: number;
  globalId: number;
}

// Refusals that mean the local record of the channel is out of date: read the chain and ask again.
const STALE_TERMS = new Set(['INSUFFICIENT_DEPOSIT', 'UNKNOWN_CHANNEL']);

/**
 * A query refused for a full credit window (CREDIT_LIMIT) lists the receipts
 * the provider holds as unpaid: re-pay the ones this consumer paid, decline
 * the ones it never received, and ask again; while only answers of this
 * consumer still run, wait for them (a few times, then give up as BUSY).
 */
async function withCreditRetry<T>(client: ProviderClient, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(ProviderError.isInstance(error) && error.wireCode === 'CREDIT_LIMIT' && error.phase === 'before-text') || attempt >= 20) throw error;
      const settled = await client.settleOutstanding(error.outstanding ?? [], signal);
      if (!settled.repaid && settled.waived.length === 0) await sleep(25 * (attempt + 1), signal);
    }
  }
}

/** One provider: with the channel's cached terms first, and once more from the chain if the provider says they are stale. */
async function askOne(options: AskOptions, candidate: DiscoveredProvider): Promise<AskResult> {
  try {
    return await askOnce(options, candidate, {cached: true});
  } catch (error) {
    if (!(ProviderError.isInstance(error) && error.wireCode && STALE_TERMS.has(error.wireCode) && error.phase === 'before-text')) throw error;
    return askOnce(options, candidate, {cached: false});
  }
}

async function askOnce(options: AskOptions, candidate: DiscoveredProvider, usable: {cached: boolean}): Promise<AskResult> {
  const record = candidate.record;
  const node = record.nodeKey.toString('hex');
  let channel = options.store.get(record.owner.toRawString(), node) ?? (await options.funding.openChannel(record));
  // A channel opened before its node was known now belongs to this node (another node of the wallet gets its own).
  if (!channel.node) {
    channel = {...channel, node};
    await options.store.put(channel);
  }
  const needed = queryWorstCase(record, options);
  let terms: ChannelTerms | undefined = usable.cached ? cachedTerms(channel, options.channelCacheMs ?? 3_600_000, needed) : undefined;
  if (!terms) {
    let view = await viewChannel(options.client, channel);
    if (view.epoch > (channel.epoch ?? 1)) {
      // Re-opened since the last answer: vouchers of the earlier life are dead, and the signed total restarts at 0.
      channel = {...channel, paid: '0', epoch: view.epoch};
      view = {...view, record: channel, signed: 0n, remaining: view.deposited};
    }
    if (view.state !== 'open') {
      throw new CocoonError('PAYMENT_REQUIRED', `The channel to this provider is ${view.state}.`, {hint: 'Close it fully with `cocoon channel close`, then open a new one.'});
    }
    channel = {...channel, known: {deposited: view.deposited.toString(), epoch: view.epoch, globalId: view.globalId, at: new Date().toISOString()}};
    await options.store.put(channel);
    if (view.remaining < needed) {
      await options.funding.onLowBalance(channel, view.remaining, needed);
      // The deposit grew: the next ask reads it from the chain.
      channel = {...options.store.get(record.owner.toRawString(), node)!, known: undefined};
      await options.store.put(channel);
    }
    terms = {epoch: view.epoch, globalId: view.globalId};
  }
  const provider = record.owner.toRawString();
  const client = new ProviderClient({
    endpoint: record.endpoint,
    transport: transportForRecord(record),
    // The receipt must name the registered model file (docs/protocol.md §6).
    provider: {x25519PublicKey: record.encryptionKey, ed25519PublicKey: record.nodeKey, modelHash: record.modelHash},
    channel: Address.parseRaw(channel.channel),
    voucherKey: Buffer.from(channel.voucherKey, 'hex'),
    // The signed total lives in the channel's file, shared under its lock with every other process using the channel.
    book: new StoredVoucherBook(options.store, provider, channel.node),
    epoch: terms.epoch,
    globalId: terms.globalId,
    powDifficulty: candidate.live?.info.pow.difficulty,
    autoPay: false,
  });
  const run = async () => {
    const stream = client.query({
      model: record.model,
      prompt: options.prompt,
      messages: options.messages,
      ...(options.input ? {input: options.input, dimensions: candidate.live?.info.models[0]?.dimensions} : {}),
      maxTokens: options.maxTokens,
      maxPrice: {prompt: record.promptPrice, completion: record.completionPrice},
      params: {...options.params, ...(options.temperature === undefined ? {} : {temperature: options.temperature})},
      signal: options.signal,
      stop: options.stop,
    });
    for await (const piece of stream) options.onText?.(piece);
    return stream.result();
  };
  const result = await withCreditRetry(client, run, options.signal);
  if (!options.candidates) refreshLiveness({registry: options.registry}, record);
  let voucherPosted = false;
  if (options.flusher) {
    // Off the critical path: the next query carries the voucher anyway; the flusher posts the newest one if none follows soon.
    options.flusher.schedule(result.receipt.receipt.channel.toRawString(), () => client.payNewest());
  } else {
    try {
      await client.postVoucher(result.voucher.amount, result.voucher.signature, undefined, options.signal);
      voucherPosted = true;
    } catch {
      // saved in the channel's file: the next query carries it, or the provider lists the receipt as outstanding
    }
  }
  return {
    text: result.text,
    ...(result.vectors ? {vectors: result.vectors} : {}),
    usage: result.usage,
    reasoningTokens: result.receipt.receipt.reasoningTokens,
    finishReason: result.finishReason,
    cost: result.cost,
    total: result.total,
    provider: {
      address: record.owner, model: record.model, architecture: record.architecture, endpoint: record.endpoint,
      pricePrompt: record.promptPrice, priceCompletion: record.completionPrice, nodeKey: record.nodeKey, modelHash: record.modelHash, audit: candidate.audit,
    },
    channel: Address.parseRaw(channel.channel),
    receipt: {queryId: result.queryId, bytes: Buffer.from(result.receipt.bytes).toString('hex'), signature: Buffer.from(result.receipt.signature).toString('hex')},
    tokenIds: result.tokenIds,
    sampling: result.sampling,
    voucherPosted,
    trust: result.trust,
  };
}
