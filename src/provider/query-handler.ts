import type {IncomingMessage, ServerResponse} from 'node:http';
import {performance} from 'node:perf_hooks';
import {openRequest, type OpenedRequest} from '../protocol/envelope.js';
import {StreamSealer} from '../crypto/response-stream.js';
import type {FinishReason, GenerateRequest, GenerationTrace, PreparedEmbedding, PreparedPrompt, Usage} from '../inference/types.js';
import {encodeErrorPayload, encodeFinalPayload, encodeResponsePreamble, encodeTextPayload, lengthPrefixed} from '../protocol/frames.js';
import {decodeRequestHeader} from '../protocol/header.js';
import {checkPow} from '../protocol/pow.js';
import {completionBound, estimatePromptTokens, priceAccepted, promptBytes, queryCost, worstCaseCost} from '../protocol/pricing.js';
import {inputHash, textHash, tokenIdsHash} from '../protocol/receipt.js';
import {decodeQueryRequest} from '../protocol/request.js';
import type {Prices, QueryRequest, WireErrorCode} from '../protocol/wire.js';
import {chargeAnswer, engineRefusal, modelHashOf, Refusal} from './answer.js';
import {answerEmbedding, prepareEmbedding} from './embed-answer.js';
import {applyVoucher, withinWaiverBudget} from './credit.js';
import type {ServerContext} from './context.js';
import {drained, readBody} from '../http/body.js';
import {sendError} from './http-util.js';
import {NO_CHANNEL} from './channel-guard.js';
import {ResponseWriter} from './response-writer.js';
import type {ChannelAccount} from './ledger.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// Label sets of the counters every answer bumps: constant (frozen) objects, whose label text the metrics keep.
const RIDING = Object.freeze({result: 'riding'});
const PROMPT_TOKENS = Object.freeze({kind: 'prompt'});
const COMPLETION_TOKENS = Object.freeze({kind: 'completion'});

/**
 * The prompt rendered and tokenised once (InferenceEngine.prepare), for the
 * deposit check and then for generation. An engine without prepare() gets its
 * plain count plus a margin per message for the template.
 */
async function preparePrompt(ctx: ServerContext, q: QueryRequest): Promise<{promptTokens: number; prepared?: PreparedPrompt}> {
  if (ctx.engine.prepare) {
    const prepared = await ctx.engine.prepare({prompt: q.prompt, messages: q.messages});
    return {promptTokens: prepared.promptTokens, prepared};
  }
  if (q.prompt !== undefined) return {promptTokens: await ctx.engine.countTokens(q.prompt)};
  let n = 0;
  for (const m of q.messages ?? []) n += (await ctx.engine.countTokens(m.content)) + 8;
  return {promptTokens: n + 8};
}

/**
 * POST /v1/query. Cheap checks first (address rate, size, header, key, proof
 * of work, clock, replay), then decryption; after that every answer, refusals
 * included, is encrypted to the consumer, and once the channel guard knows the
 * channel the request counts against the channel's rate instead of the address's.
 */
export async function handleQuery(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reject = (code: WireErrorCode, message: string, retryAfterMs?: number) => {
    ctx.metrics.inc('cocoon_rejections_total', {code});
    sendError(res, code, message, retryAfterMs);
  };
  const now = ctx.now();
  const wait = ctx.admission.admit(req, now);
  if (wait > 0) return reject('RATE_LIMITED', 'Too many requests from this address.', wait);
  const read = await readBody(req, {limit: ctx.maxBodyBytes});
  if (!read.ok) {
    if (read.reason === 'too-large') {
      res.setHeader('connection', 'close'); // don't read the rest of an oversized body
      return reject('TOO_LARGE', `Request body is over ${ctx.maxBodyBytes} bytes.`);
    }
    return;
  }
  const body = read.body;
  let header;
  try {
    header = decodeRequestHeader(body);
  } catch (err) {
    return reject('BAD_REQUEST', (err as Error).message);
  }
  if (!Buffer.from(header.recipientKey).equals(Buffer.from(ctx.nodeKey.x25519PublicKey))) {
    return reject('WRONG_KEY', 'Request is sealed to another key; fetch this provider’s key from its registry record.');
  }
  if (!checkPow(body, ctx.powDifficulty)) return reject('POW_REQUIRED', `Proof of work of ${ctx.powDifficulty} bits required.`);
  if (!ctx.replay.fresh(header.timestamp, now)) return reject('STALE', `Timestamp is outside ±${ctx.timestampWindowMs} ms of the provider clock.`);
  const queryId = hex(header.queryId);
  if (ctx.replay.has(queryId)) return reject('REPLAY', 'This query id was already used.');
  if (ctx.replay.full) return reject('RATE_LIMITED', 'Too many queries in the replay window.', ctx.timestampWindowMs);

  ctx.metrics.inc('cocoon_decrypt_attempts_total');
  let opened: OpenedRequest;
  try {
    opened = await openRequest(body, ctx.nodeKey.x25519SecretKey);
  } catch {
    ctx.metrics.inc('cocoon_decrypt_failures_total');
    return reject('DECRYPT_FAILED', 'Request does not decrypt.');
  }
  // Only authentic requests are remembered, so forged ones can't burn a real id.
  if (!ctx.replay.add(queryId, header.timestamp, now)) return reject('REPLAY', 'This query id was already used.');

  const sealer = await StreamSealer.create(opened.keys.responseKey, ctx.random(24));
  res.writeHead(200, {'content-type': 'application/octet-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff'});
  // The preamble leaves with the first frame (a refusal's, or the first text), or alone after coalesceMs.
  const out = new ResponseWriter(res, encodeResponsePreamble(sealer.header), ctx.coalesceMs);
  try {
    await serve(ctx, req, opened, sealer, res, out);
  } catch (err) {
    const refusal = err instanceof Refusal ? err : new Refusal('INTERNAL', 'Internal error.');
    ctx.metrics.inc('cocoon_rejections_total', {code: refusal.code});
    if (!res.destroyed) out.end(lengthPrefixed(sealer.push(encodeErrorPayload(refusal.code, refusal.message, refusal.outstanding), true)));
  } finally {
    out.dispose();
    sealer.dispose();
  }
}

async function serve(ctx: ServerContext, req: IncomingMessage, opened: OpenedRequest, sealer: StreamSealer, res: ServerResponse, out: ResponseWriter): Promise<void> {
  let q: QueryRequest;
  try {
    q = decodeQueryRequest(opened.plaintext);
  } catch (err) {
    throw new Refusal('BAD_REQUEST', (err as Error).message);
  }
  if (!Buffer.from(q.queryId).equals(Buffer.from(opened.header.queryId)) || q.timestamp !== opened.header.timestamp) {
    throw new Refusal('BAD_REQUEST', 'Query id or timestamp differ between header and body.');
  }
  if (q.model !== ctx.engine.model.name) throw new Refusal('UNKNOWN_MODEL', `This provider serves ${ctx.engine.model.name}, not ${q.model}.`);
  // A node serves one kind (its registry record's): texts to embed, or prompts to continue.
  const embeds = ctx.engine.model.kind === 'embeddings';
  if ((q.input !== undefined) !== embeds) {
    throw new Refusal('INVALID_QUERY', embeds ? `This node serves embeddings of ${q.model}: send texts to embed (input), not a prompt.` : `This node generates text with ${q.model}; texts to embed need an embedding node of the model.`);
  }
  if (q.maxTokens > ctx.maxTokens) throw new Refusal('MAX_TOKENS', `maxTokens is above this provider's limit of ${ctx.maxTokens}.`);
  // The prices this query is admitted at: a price change while it runs does not touch its receipt.
  const prices = ctx.prices;
  if (!priceAccepted(q.maxPrice, prices)) {
    throw new Refusal('PRICE_TOO_LOW', `Prices are ${prices.prompt}/${prices.completion} nanoGRAM per prompt/completion token.`);
  }
  const channel = q.channel.toRawString();
  let terms = await ctx.guard.lookup(q.channel);
  if (!terms) throw new Refusal('UNKNOWN_CHANNEL', ctx.guard.refusal?.(q.channel) ?? NO_CHANNEL);
  // Paid for by an open channel from here on: counted per channel, no longer per address.
  if (ctx.admission.bind(req, channel, ctx.now()) > 0) throw new Refusal('RATE_LIMITED', 'Too many requests on this channel.');
  const epoch = terms.epoch ?? 1;
  // The voucher riding on the query pays earlier answers before this one is weighed (docs/protocol.md §8).
  if (q.voucher) {
    const {amount, signature} = q.voucher;
    if (amount > terms.deposit || !ctx.vouchers.verify(q.channel, amount, signature, terms)) {
      throw new Refusal('BAD_VOUCHER', amount > terms.deposit ? 'The voucher riding on this query is above the channel deposit.' : 'The voucher riding on this query is not signed by the channel consumer’s key.');
    }
    const refused = await ctx.credit.exclusive(channel, async () => {
      const next = applyVoucher(await ctx.credit.account(ctx.ledger, channel, epoch), amount, signature, q.voucher!.covers);
      if (typeof next === 'string') return next;
      if (next) {
        ctx.credit.ride(channel, epoch, q.voucher!);
        ctx.metrics.inc('cocoon_vouchers_total', RIDING);
      }
      return undefined;
    });
    if (refused) throw new Refusal('BAD_VOUCHER', refused);
  }
  const account: ChannelAccount = await ctx.credit.account(ctx.ledger, channel, epoch);
  if (!withinWaiverBudget(account, ctx.maxWaived)) {
    throw new Refusal(
      'TOO_MANY_WAIVERS',
      `This channel has declined ${account.waived} charges as never received (${account.waivedNano ?? 0n} nanoGRAM); this provider serves a channel beyond ${ctx.maxWaived} only while they stay within 1 % of what it paid (${account.paid}). Use another provider.`,
    );
  }
  // Bounded before any tokenising: the tokenizer runs on the event loop, and its cost grows with the bytes.
  // Texts to embed are bounded one by one (each must fit the context); together, by the body size.
  const bytes = q.input ? Math.max(...q.input.map((t) => Buffer.byteLength(t, 'utf8'))) : promptBytes(q);
  const maxBytes = ctx.engine.model.contextSize * ctx.maxPromptBytesPerToken;
  let worst: bigint;
  let prepared: PreparedPrompt | undefined;
  let embedding: PreparedEmbedding | undefined;
  if (bytes > maxBytes) {
    // The deposit rule still comes first, judged on the consumer's own upper bound (no tokenizer), so a consumer sees the refusals in the order it always did.
    worst = worstCaseCost(estimatePromptTokens(q), 1, prices);
  } else if (q.input) {
    // An embedding's cost is known before it runs: every input token, nothing generated.
    embedding = await prepareEmbedding(ctx, q.input);
    worst = worstCaseCost(embedding.promptTokens, 0, prices);
  } else {
    const counted = await preparePrompt(ctx, q).catch((err: unknown) => Promise.reject(engineRefusal(err, 'The engine cannot count this prompt.')));
    const promptTokens = counted.promptTokens;
    prepared = counted.prepared;
    // The completion cannot outgrow the context, so neither does the deposit it needs.
    worst = worstCaseCost(promptTokens, completionBound(q.maxTokens, Math.max(1, ctx.engine.model.contextSize - promptTokens)), prices);
  }
  // Reserve the worst case against the deposit and the credit window. A deposit that looks short may have just been topped
  // up: terms older than a second are read again (at most one chain read per channel per second, however many arrive).
  const reserve = () => ctx.credit.exclusive(channel, async () => ctx.credit.reserve(channel, await ctx.credit.account(ctx.ledger, channel, epoch), terms!.deposit, worst));
  let reserved = await reserve();
  if (typeof reserved !== 'function' && reserved.code === 'INSUFFICIENT_DEPOSIT') {
    const fresh = await ctx.guard.lookup(q.channel, {maxAgeMs: 1000});
    if (fresh && fresh.deposit !== terms.deposit) {
      terms = fresh;
      reserved = await reserve();
    }
  }
  if (typeof reserved !== 'function') {
    const outstanding = reserved.code === 'CREDIT_LIMIT' ? ((await ctx.credit.account(ctx.ledger, channel, epoch)).outstanding ?? []).map(({receipt, signature}) => ({receipt, signature})) : undefined;
    throw new Refusal(reserved.code, reserved.message, outstanding);
  }
  const release = reserved;
  try {
    if (bytes > maxBytes) {
      throw new Refusal(
        'INVALID_QUERY',
        `${q.input ? 'An input' : 'The prompt'} is ${bytes} bytes of UTF-8; this provider takes at most ${maxBytes} (its ${ctx.engine.model.contextSize}-token context × ${ctx.maxPromptBytesPerToken} bytes per token).`,
      );
    }
    const load = ctx.engine.load();
    if (load.active >= load.parallel && load.queued >= load.maxQueue) throw new Refusal('BUSY', 'The provider is at capacity.');
    if (embedding) await answerEmbedding(ctx, q, prices, {channel, epoch, release, embedding}, sealer, res, out);
    else await generate(ctx, q, prices, {channel, epoch, release, prepared, consumerKey: terms.consumerKey}, sealer, res, out);
  } finally {
    release();
    // A voucher that rode on a query that ended without a charge reaches the disk now.
    void ctx.credit.flush(ctx.ledger, channel).catch(() => undefined);
  }
}

async function generate(
  ctx: ServerContext,
  q: QueryRequest,
  prices: Prices,
  slot: {channel: string; epoch: number; release: () => void; prepared?: PreparedPrompt; consumerKey: Uint8Array},
  sealer: StreamSealer,
  res: ServerResponse,
  out: ResponseWriter,
): Promise<void> {
  const abort = new AbortController();
  let clientGone = false;
  const onClose = () => {
    if (!res.writableFinished) {
      clientGone = true;
      abort.abort();
    }
  };
  res.on('close', onClose);
  const deadline = setTimeout(() => abort.abort(), ctx.maxGenerationMs);
  ctx.generations.add(abort);
  // Its consumer may stop it (POST /v1/cancel): it then ends like a deadline, with a receipt for what was sent.
  const queryId = hex(q.queryId);
  // Keyed by channel and query id: a query id is only unique per channel once the replay window has passed.
  const runningKey = `${slot.channel}/${queryId}`;
  const entry = {consumerKey: slot.consumerKey, stop: () => abort.abort()};
  if (!ctx.running.has(runningKey)) ctx.running.set(runningKey, entry);
  let sentText = false;
  const request: GenerateRequest = {prompt: q.prompt, messages: q.messages, maxTokens: q.maxTokens, signal: abort.signal, ...q.params};
  let usage: Usage | undefined;
  let trace: GenerationTrace | undefined;
  // Everything the text frames carry, for the receipt's text hash.
  let text = '';
  let finishReason: FinishReason = 'abort';
  try {
    let events;
    try {
      events = ctx.engine.generate(request, slot.prepared);
    } catch (err) {
      throw engineRefusal(err, 'The engine refused the query.');
    }
    // Text is coalesced: the first piece goes out at once (time to first token),
    // later ones at most every coalesceMs, and the last with the final frame, in
    // one write. Fewer frames and writes cost fewer syscalls and wake-ups on both
    // ends, and frame sizes no longer give away each token's length.
    let pending = '';
    let lastFlush = -Infinity;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      lastFlush = performance.now();
      if (pending === '' || clientGone || res.destroyed) return true;
      const frame = lengthPrefixed(sealer.push(encodeTextPayload(pending), false));
      pending = '';
      sentText = true;
      return out.write(frame);
    };
    try {
      for await (const event of events) {
        if (event.type === 'done') {
          usage = event.usage;
          trace = event.trace;
          finishReason = event.finishReason;
          break;
        }
        // Gone: nothing more is sent, but the engine's own end (it was aborted) says how much it generated.
        if (clientGone) continue;
        pending += event.text;
        text += event.text;
        if (performance.now() - lastFlush >= ctx.coalesceMs || pending.length >= 4096) {
          if (!flush()) await drained(res);
        } else {
          timer ??= setTimeout(flush, ctx.coalesceMs);
        }
      }
      // What is still pending leaves with the final frame.
      clearTimeout(timer);
    } catch (err) {
      clearTimeout(timer);
      if (clientGone) return;
      throw engineRefusal(err, 'The engine failed while answering.');
    }
    const gone = clientGone || res.destroyed;
    // Payment rule (docs/protocol.md §8): a client gone before any text pays nothing; one gone after text
    // owes what was generated, as an outstanding receipt it may pay or decline (a waiver, counted and capped).
    if (!usage || (gone && !sentText)) {
      ctx.metrics.inc('cocoon_queries_aborted_total');
      return;
    }
    const cost = queryCost(usage, prices);
    const signed = await chargeAnswer(ctx, slot, q, usage, prices, commitments(ctx, q, trace, text));
    if (gone) {
      ctx.metrics.inc('cocoon_queries_disconnected_total');
      return;
    }
    ctx.metrics.inc('cocoon_queries_completed_total');
    ctx.metrics.inc('cocoon_tokens_total', PROMPT_TOKENS, usage.promptTokens);
    ctx.metrics.inc('cocoon_tokens_total', COMPLETION_TOKENS, usage.completionTokens);
    ctx.metrics.inc('cocoon_charged_nanoton_total', undefined, Number(cost));
    const tail = pending === '' ? [] : [lengthPrefixed(sealer.push(encodeTextPayload(pending), false))];
    out.end(...tail, lengthPrefixed(sealer.push(encodeFinalPayload(finishReason, signed, trace?.outputTokenIds ?? []), true)));
  } finally {
    clearTimeout(deadline);
    ctx.generations.delete(abort);
    if (ctx.running.get(runningKey) === entry) ctx.running.delete(runningKey);
    res.off('close', onClose);
  }
}

/**
 * What a receipt commits to beyond money (docs/protocol.md §6): the model
 * file's SHA-256, the sampler the engine ran (its seed included), the
 * request it answered, the hashes of the token ids read and written, and of the text sent. An engine without a trace (none
 * generated anything) commits to the request's sampling and empty lists.
 */
function commitments(ctx: ServerContext, q: QueryRequest, trace: GenerationTrace | undefined, text: string) {
  const p = q.params;
  return {
    modelHash: modelHashOf(ctx),
    sampling: trace?.sampling ?? {temperature: p.temperature ?? 0, topP: p.topP ?? 1, topK: p.topK ?? 0, seed: p.seed ?? 0},
    inputHash: inputHash(q),
    promptHash: tokenIdsHash(trace?.promptTokenIds ?? []),
    outputHash: tokenIdsHash(trace?.outputTokenIds ?? []),
    textHash: textHash(text),
    // Thought tokens as the engine counted them (docs/protocol.md §4.2), never more than the completion.
    reasoningTokens: Math.min(trace?.reasoningTokens ?? 0, trace?.outputTokenIds.length ?? 0),
  };
}
