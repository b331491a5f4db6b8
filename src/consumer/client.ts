import {randomBytes} from 'node:crypto';
import {signVoucher} from '../chain/contracts/voucher.js';
import {sealRequest} from '../protocol/envelope.js';
import {CocoonError, isCocoonError} from '../errors.js';
import {malformed, ProviderError, wireError, type PendingReceipt, type ProviderErrorPhase} from '../protocol/errors.js';
import {signCancel, signChannelRequest, signWaiver, verifyChannelState} from '../protocol/channel-state.js';
import {verifyInfo} from '../protocol/info.js';
import {queryCost} from '../protocol/pricing.js';
import {decodeReceipt, inputHash, samplingAsSigned, textHash, tokenIdsHash, vectorsHash, verifyReceipt} from '../protocol/receipt.js';
import {encodeQueryRequest} from '../protocol/request.js';
import {ErrorBodySchema, VoucherAckSchema} from '../protocol/schemas.js';
import {PROTOCOL_VERSION, type ChannelHoldings, type ProviderInfo, type QueryRequest, type Receipt, type ResponseFrame} from '../protocol/wire.js';
import {MemoryVoucherBook, type VoucherBook} from './voucher-book.js';
import type {ProviderClientOptions, QueryOptions} from './options.js';
import {QueryStream, type QueryResult} from './query-stream.js';
import {readResponseFrames} from './response-reader.js';
import {fetchTransport, nodeHttpTransport, type Transport, type TransportResponse} from './http-transport.js';

export type {ProviderClientOptions, ProviderKeys, QueryOptions} from './options.js';
export type {QueryResult, TrustLevel} from './query-stream.js';
export {QueryStream} from './query-stream.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Paid query ids sent with each voucher (docs/protocol.md §7): more than any credit window this client meets.
const COVERS = 16;
/** How long a stopped answer's provider has to send its final frame before the connection is dropped. */
const STOP_GRACE_MS = 5_000;

/**
 * The consumer side of the protocol for one (provider, channel): seals
 * queries, streams and verifies answers, and pays for complete ones with
 * cumulative vouchers counted in its VoucherBook. Many queries may run at
 * once, up to the provider's credit window; each one carries the newest
 * voucher, so a steady stream of answers needs no separate voucher posts.
 */
export class ProviderClient {
  private readonly transport: Transport;
  private readonly now: () => number;
  private readonly random: (n: number) => Uint8Array;
  private readonly book: VoucherBook;
  private pow?: number;
  /** The newest voucher signed, kept so the next query's rider costs no new signature. */
  private newest: {amount: bigint; signature: Uint8Array} = {amount: -1n, signature: new Uint8Array(0)};

  constructor(private readonly options: ProviderClientOptions) {
    this.transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : nodeHttpTransport);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? ((n) => randomBytes(n));
    this.book = options.book ?? new MemoryVoucherBook(options.paid ?? 0n);
    this.pow = options.powDifficulty;
  }

  /** Cumulative nanoGRAM signed for this channel so far, as its book counts it. */
  paid(): Promise<bigint> {
    return this.book.signed();
  }

  /** The voucher for a cumulative `amount` (Ed25519 is deterministic: the same amount gives the same signature). */
  private voucher(amount: bigint): {amount: bigint; signature: Uint8Array} {
    if (this.newest.amount !== amount) {
      this.newest = {amount, signature: signVoucher({channel: this.options.channel, amount, epoch: this.options.epoch, globalId: this.options.globalId}, this.options.voucherKey)};
    }
    return this.newest;
  }

  private url(path: string): string {
    return new URL(path, this.options.endpoint).toString();
  }

  /** GET /v1/info, verified with the registry's Ed25519 key; also checks the X25519 key and learns the PoW difficulty. */
  async info(signal?: AbortSignal): Promise<ProviderInfo> {
    const res = await this.send('/v1/info', {method: 'GET', signal: withTimeout(signal, 10_000)}, signal);
    const info = verifyInfo(await res.json().catch((err) => Promise.reject(malformed('provider info', err))), this.options.provider.ed25519PublicKey);
    if (info.keys.x25519 !== hex(this.options.provider.x25519PublicKey)) {
      throw new CocoonError('PROTOCOL_ERROR', 'The provider serves a different encryption key than its registry record.');
    }
    this.pow ??= info.pow.difficulty;
    return info;
  }

  /** Send a query; iterate the returned stream for text and await result() for the verified receipt. */
  query(q: QueryOptions): QueryStream {
    const cancel = new AbortController();
    const signal = AbortSignal.any([cancel.signal, ...(q.signal ? [q.signal] : [])]);
    return new QueryStream(this.run(q, signal, q.signal, cancel, q.timeoutMs ?? this.options.timeoutMs ?? 300_000), () => cancel.abort());
  }

  private async *run(q: QueryOptions, signal: AbortSignal, userSignal: AbortSignal | undefined, cancel: AbortController, timeoutMs: number): AsyncGenerator<string, QueryResult> {
    const queryId = this.random(16);
    const id = hex(queryId);
    const timestamp = this.now();
    // The running marker must exist before the provider can list this query as unpaid, i.e. before its
    // answer is complete: written while the query goes out, awaited before the answer is read.
    const begun = this.book.begin(id);
    begun.catch(() => undefined);
    let counted = false;
    let text = '';
    let grace: NodeJS.Timeout | undefined;
    // Stopping early: before any text there is nothing to pay for, so the connection just drops; after
    // text the provider is asked to end the answer, and its final frame (a receipt for what was sent) is awaited.
    let stopping = false;
    const stopAnswer = () => {
      if (stopping) return;
      stopping = true;
      void this.postCancel(id).catch(() => undefined);
      grace = setTimeout(() => cancel.abort(new CocoonError('ABORTED', 'The provider did not end the stopped answer in time.')), STOP_GRACE_MS);
    };
    const onStop = () => (text ? stopAnswer() : cancel.abort(new CocoonError('ABORTED', 'The query was stopped before any text.')));
    if (q.stop?.aborted) onStop();
    else q.stop?.addEventListener('abort', onStop, {once: true});
    // Out of time: before any text the query is dropped (TIMEOUT); once text flows the answer is stopped and what arrived is paid.
    const deadline = setTimeout(() => (text ? stopAnswer() : cancel.abort(new DOMException('The provider did not answer in time.', 'TimeoutError'))), timeoutMs);
    try {
      const {signed: signedBefore, recent: covers} = await this.book.snapshot(COVERS);
      const request: QueryRequest = {
        queryId,
        timestamp,
        channel: this.options.channel,
        model: q.model,
        prompt: q.prompt,
        messages: q.messages,
        ...(q.input === undefined ? {params: q.params ?? {}, maxTokens: q.maxTokens} : {input: q.input, params: {}, maxTokens: 0}),
        maxPrice: q.maxPrice,
        // The newest voucher rides along: it pays earlier answers on the way (docs/protocol.md §8).
        ...(signedBefore > 0n ? {voucher: {...this.voucher(signedBefore), covers}} : {}),
      };
      const sealed = await sealRequest({
        recipientKey: this.options.provider.x25519PublicKey,
        plaintext: encodeQueryRequest(request),
        queryId,
        timestamp,
        powDifficulty: this.pow ?? 0,
      });
      const res = await this.send('/v1/query', {method: 'POST', body: sealed.body, headers: {'content-type': 'application/octet-stream'}, signal}, userSignal);
      await begun;
      if (!res.body) throw providerError(malformed('response (no body)'), 'before-text');
      let final: Extract<ResponseFrame, {type: 'final'}> | undefined;
      const vectors: Extract<ResponseFrame, {type: 'vector'}>[] = [];
      try {
        for await (const frame of readResponseFrames(res.body as AsyncIterable<Uint8Array>, sealed.keys.responseKey)) {
          // An embedding answer is vectors only, a generated one text only.
          if ((frame.type === 'vector' || frame.type === 'text') && (frame.type === 'vector') !== (q.input !== undefined)) {
            throw new CocoonError('PROTOCOL_ERROR', `The provider sent ${frame.type === 'vector' ? 'an embedding vector for a text query' : 'text for an embedding query'}.`);
          }
          if (frame.type === 'vector') {
            // Never more held than asked for: a provider cannot make the consumer buffer without bound.
            if (vectors.length === q.input!.length) throw new CocoonError('PROTOCOL_ERROR', `The provider sent more vectors than the ${q.input!.length} texts asked for.`);
            vectors.push(frame);
          } else if (frame.type === 'text') {
            text += frame.text;
            yield frame.text;
          } else if (frame.type === 'error') {
            throw wireError(frame.code, frame.message, {outstanding: frame.outstanding});
          } else {
            final = frame;
          }
        }
      } catch (err) {
        throw providerError(streamError(err, signal, userSignal), text ? 'streaming' : 'before-text');
      }
      const signed = final!.signed;
      const r = signed.receipt;
      // Everything below must hold before the consumer signs anything.
      const problems: string[] = [];
      if (!verifyReceipt(signed.bytes, signed.signature, this.options.provider.ed25519PublicKey)) problems.push('bad signature');
      if (hex(r.queryId) !== id) problems.push('query id');
      if (!r.channel.equals(this.options.channel)) problems.push('channel');
      if (r.prices.prompt > q.maxPrice.prompt || r.prices.completion > q.maxPrice.completion) problems.push('prices above maxPrice');
      if (r.usage.completionTokens > q.maxTokens) problems.push('more tokens than maxTokens');
      if (r.reasoningTokens > r.usage.completionTokens) problems.push('more thought tokens than completion tokens');
      if (r.cost !== queryCost(r.usage, r.prices)) problems.push('cost ≠ usage × price');
      if (r.total < r.cost) problems.push(`total ${r.total} below cost ${r.cost}`);
      problems.push(...commitmentProblems(final!.tokenIds, text, r, request, this.options.provider.modelHash));
      if (q.input !== undefined) problems.push(...vectorProblems(vectors, q.input.length, r, q.dimensions));
      if (problems.length > 0) {
        throw new ProviderError('PROTOCOL_ERROR', `The provider's receipt does not check out (${problems.join(', ')}); no voucher was signed.`, {
          phase: 'after-text',
          // What was signed and sent, so an auditor can keep a refused answer as evidence (src/audit).
          details: {problems, receipt: hex(signed.bytes), signature: hex(signed.signature), tokenIds: final!.tokenIds, text},
        });
      }
      // Counted (and saved) before the voucher exists: a crash after this never underpays or double-signs.
      const total = await this.book.add(id, r.cost);
      counted = true;
      const voucher = this.voucher(total);
      const result: QueryResult = {
        trust: 'provider-visible', queryId: id, text, ...(q.input === undefined ? {} : {vectors: vectors.map((v) => v.vector)}), usage: r.usage, finishReason: final!.finishReason, cost: r.cost, total,
        receipt: signed, tokenIds: final!.tokenIds, sampling: r.sampling, voucher, voucherPosted: false,
      };
      if (this.options.autoPay ?? true) {
        try {
          await this.postVoucher(voucher.amount, voucher.signature);
          result.voucherPosted = true;
        } catch (err) {
          result.paymentError = err as Error;
        }
      }
      return result;
    } finally {
      clearTimeout(grace);
      clearTimeout(deadline);
      q.stop?.removeEventListener('abort', onStop);
      if (!counted) await this.book.end(id).catch(() => undefined);
    }
  }

  /** POST /v1/cancel: ask the provider to end answer `queryId` (hex) of this channel now; its stream then closes with a receipt for what was sent. */
  async postCancel(queryId: string, signal?: AbortSignal): Promise<void> {
    const channel = this.options.channel;
    const body = JSON.stringify({v: PROTOCOL_VERSION, channel: channel.toRawString(), queryId, signature: hex(signCancel(channel, queryId, this.options.voucherKey))});
    await this.send('/v1/cancel', {method: 'POST', body, headers: {'content-type': 'application/json'}, signal: withTimeout(signal, 5_000)}, signal);
  }

  /** POST the newest voucher this client's book holds (after answers whose vouchers did not ride on a later query). Resolves false when there is nothing to pay. */
  async payNewest(signal?: AbortSignal): Promise<boolean> {
    const amount = await this.book.signed();
    if (amount === 0n) return false;
    const v = this.voucher(amount);
    await this.postVoucher(v.amount, v.signature, undefined, signal);
    return true;
  }

  /** POST /v1/voucher for a cumulative amount already signed (e.g. to retry a failed post), optionally declining one charge as never received. */
  async postVoucher(amount: bigint, signature: Uint8Array, waive?: string, signal?: AbortSignal): Promise<void> {
    const covers = await this.book.recent(COVERS);
    const body = JSON.stringify({
      v: PROTOCOL_VERSION,
      channel: this.options.channel.toRawString(),
      amount: amount.toString(),
      signature: hex(signature),
      ...(covers.length ? {covers} : {}),
      ...(waive ? {waive: {queryId: waive, signature: hex(signWaiver(this.options.channel, waive, this.options.voucherKey))}} : {}),
    });
    const res = await this.send('/v1/voucher', {method: 'POST', body, headers: {'content-type': 'application/json'}, signal: withTimeout(signal, 30_000)}, signal);
    const ack = VoucherAckSchema.safeParse(await res.json().catch(() => undefined));
    if (!ack.success) throw malformed('voucher acknowledgement');
  }

  /**
   * Clear what a CREDIT_LIMIT refusal lists as unpaid (pass the ProviderError's
   * `outstanding`). A receipt this consumer's book paid means only its voucher
   * did not arrive: the newest voucher is posted again. One still running in
   * some process of this consumer is left alone. One it never received whole
   * is declined (waived). Returns what it did.
   */
  async settleOutstanding(outstanding: readonly PendingReceipt[], signal?: AbortSignal): Promise<{repaid: boolean; waived: string[]; running: number}> {
    const done = {repaid: false, waived: [] as string[], running: 0};
    let repay = false;
    for (const p of outstanding) {
      const bytes = Buffer.from(p.receipt, 'hex');
      const receipt = decodeReceipt(bytes);
      if (!verifyReceipt(bytes, Buffer.from(p.signature, 'hex'), this.options.provider.ed25519PublicKey) || !receipt.channel.equals(this.options.channel)) {
        throw new CocoonError('PROTOCOL_ERROR', 'An outstanding receipt is not a valid receipt of this provider for this channel.');
      }
      const id = hex(receipt.queryId);
      const standing = await this.book.standing(id);
      if (standing === 'paid') repay = true;
      else if (standing === 'running') done.running++;
      else {
        await this.waive(id, signal);
        done.waived.push(id);
      }
    }
    if (repay) done.repaid = await this.payNewest(signal);
    return done;
  }

  /**
   * Decline the charge of an answer this consumer never received in full (the
   * provider listed its receipt as outstanding). Posts the unchanged signed
   * total with a waiver signed by the voucher key; the provider writes it off.
   */
  async waive(queryId: string, signal?: AbortSignal): Promise<void> {
    const v = this.voucher(await this.book.signed());
    await this.postVoucher(v.amount, v.signature, queryId, signal);
  }

  /**
   * POST /v1/channel: what the provider holds for this channel (paid, owed, the
   * pending receipt, waivers), asked with the voucher key's signature and
   * answered signed by the node key. Compare `paid` with your own record.
   */
  async channelState(signal?: AbortSignal): Promise<ChannelHoldings> {
    const timestamp = this.now();
    const body = JSON.stringify({channel: this.options.channel.toRawString(), timestamp, signature: hex(signChannelRequest(this.options.channel, timestamp, this.options.voucherKey))});
    const res = await this.send('/v1/channel', {method: 'POST', body, headers: {'content-type': 'application/json'}, signal: withTimeout(signal, 10_000)}, signal);
    const state = verifyChannelState(await res.json().catch((err) => Promise.reject(malformed('channel state', err))), this.options.provider.ed25519PublicKey);
    if (!state.channel.equals(this.options.channel) || state.request !== timestamp) {
      throw new CocoonError('PROTOCOL_ERROR', 'The provider answered for another channel or another request.');
    }
    return state;
  }

  /** fetch with errors mapped: network → PROVIDER_UNAVAILABLE, abort → ABORTED/TIMEOUT, error bodies → their CocoonError. */
  private async send(path: string, init: Parameters<Transport>[1], userSignal?: AbortSignal): Promise<TransportResponse> {
    let res: TransportResponse;
    try {
      res = await this.transport(this.url(path), init);
    } catch (err) {
      throw providerError(fetchError(err, init.signal ?? undefined, userSignal), 'before-text');
    }
    if (res.ok) return res;
    const parsed = ErrorBodySchema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      // A proxy in front of the provider (rate limit, gateway error): its Retry-After is in seconds.
      const seconds = Number(res.headers.get('retry-after'));
      throw new ProviderError('PROVIDER_UNAVAILABLE', `Provider answered HTTP ${res.status} without a protocol error body.`, {
        status: res.status,
        retryAfterMs: Number.isFinite(seconds) && seconds >= 0 && res.headers.has('retry-after') ? seconds * 1000 : undefined,
      });
    }
    throw wireError(parsed.data.error.code, parsed.data.error.message, {status: res.status, retryAfterMs: parsed.data.error.retryAfterMs});
  }
}

/**
 * What the receipt commits to, checked against what arrived and what was
 * asked (docs/protocol.md §6): the token ids it hashes are the ones in the
 * final frame, as many as it bills; the text is the text received; the
 * request is this one; the model is the registered one; the sampler is the
 * one requested wherever the request set it.
 */
function commitmentProblems(tokenIds: number[], text: string, r: Receipt, q: QueryRequest, modelHash: Uint8Array | undefined): string[] {
  const problems: string[] = [];
  if (tokenIds.length !== r.usage.completionTokens) problems.push(`${tokenIds.length} token ids for ${r.usage.completionTokens} completion tokens`);
  if (!tokenIdsHash(tokenIds).equals(r.outputHash)) problems.push('token ids do not match the receipt’s hash');
  // An embedding's text hash covers its vectors (vectorProblems checks it).
  if (q.input === undefined && !textHash(text).equals(r.textHash)) problems.push('the text received does not match the receipt’s hash');
  if (!inputHash(q).equals(r.inputHash)) problems.push('the receipt answers another request');
  if (modelHash && !Buffer.from(modelHash).equals(Buffer.from(r.modelHash))) problems.push('another model than the registered one');
  const asked = q.params ?? {};
  const want = samplingAsSigned({temperature: asked.temperature ?? r.sampling.temperature, topP: asked.topP ?? r.sampling.topP, topK: asked.topK ?? r.sampling.topK, seed: asked.seed ?? r.sampling.seed});
  if (want.temperature !== r.sampling.temperature || want.seed !== r.sampling.seed) problems.push('another temperature or seed than requested');
  else if (r.sampling.temperature > 0 && (want.topP !== r.sampling.topP || want.topK !== r.sampling.topK)) problems.push('another top-p or top-k than requested');
  return problems;
}

/** An embedding answer: one vector per input, all of one size (the node's, when known), nothing generated, and the receipt's hash over them. */
function vectorProblems(vectors: Extract<ResponseFrame, {type: 'vector'}>[], inputs: number, r: Receipt, dimensions: number | undefined): string[] {
  const problems: string[] = [];
  if (vectors.length !== inputs) problems.push(`${vectors.length} vectors for ${inputs} inputs`);
  const size = dimensions ?? vectors[0]?.vector.length;
  if (vectors.some((v) => v.vector.length !== size)) problems.push(`vectors not all of ${size} values`);
  if (r.usage.completionTokens !== 0) problems.push('completion tokens billed for an embedding');
  if (!vectorsHash(vectors.map((v) => v.bytes)).equals(r.textHash)) problems.push('the vectors received do not match the receipt’s hash');
  return problems;
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const t = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, t]) : t;
}

function fetchError(err: unknown, signal: AbortSignal | undefined, userSignal: AbortSignal | undefined): CocoonError {
  if (isCocoonError(err)) return err;
  if (userSignal?.aborted) return new CocoonError('ABORTED', 'The query was cancelled.', {cause: err});
  if (signal?.aborted) {
    const timedOut = (signal.reason as Error | undefined)?.name === 'TimeoutError';
    return timedOut ? new CocoonError('TIMEOUT', 'The provider did not answer in time.', {cause: err}) : new CocoonError('ABORTED', 'The query was cancelled.', {cause: err});
  }
  return new CocoonError('PROVIDER_UNAVAILABLE', `Cannot reach the provider: ${(err as Error).message}`, {cause: err});
}

function streamError(err: unknown, signal: AbortSignal, userSignal: AbortSignal | undefined): CocoonError {
  if (isCocoonError(err)) return err;
  const mapped = fetchError(err, signal, userSignal);
  if (mapped.code !== 'PROVIDER_UNAVAILABLE') return mapped;
  return new ProviderError('PROVIDER_UNAVAILABLE', 'The answer is incomplete: the connection broke before the provider’s final frame.', {cause: err, incomplete: true});
}

/** Every failure of a query as a ProviderError at the phase where it happened. */
function providerError(err: CocoonError, phase: ProviderErrorPhase): ProviderError {
  if (ProviderError.isInstance(err)) return err.at(phase);
  return new ProviderError(err.code, err.message, {hint: err.hint, cause: err.cause ?? err, phase, details: err.details});
}
