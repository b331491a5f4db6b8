/**
 * An embedding node's answer (docs/protocol.md §4.3, §5): one vector frame
 * per input, then a final frame whose receipt bills every input token at the
 * prompt price and nothing else, its text hash over the vectors.
 */
import type {ServerResponse} from 'node:http';
import type {StreamSealer} from '../crypto/response-stream.js';
import type {PreparedEmbedding} from '../inference/types.js';
import {encodeFinalPayload, encodeVectorPayload, lengthPrefixed} from '../protocol/frames.js';
import {queryCost} from '../protocol/pricing.js';
import {inputHash, tokenIdsHash, vectorsHash} from '../protocol/receipt.js';
import type {Prices, QueryRequest} from '../protocol/wire.js';
import {chargeAnswer, engineRefusal, modelHashOf, Refusal, type AnswerSlot} from './answer.js';
import type {ServerContext} from './context.js';
import type {ResponseWriter} from './response-writer.js';

const PROMPT_TOKENS = Object.freeze({kind: 'prompt'});
// An embedding samples nothing: the receipt's sampler fields hold greedy's values.
const NO_SAMPLING = Object.freeze({temperature: 0, topP: 1, topK: 0, seed: 0});

/** Tokenise the texts once: the exact count the answer will cost. INVALID_QUERY names an input over the context. */
export async function prepareEmbedding(ctx: ServerContext, input: readonly string[]): Promise<PreparedEmbedding> {
  if (!ctx.engine.prepareEmbedding || !ctx.engine.embed) throw new Refusal('INVALID_QUERY', 'This node does not embed.');
  return ctx.engine.prepareEmbedding(input).catch((err: unknown) => Promise.reject(engineRefusal(err, 'The engine cannot tokenise these inputs.')));
}

/**
 * Embed, charge and send. A consumer gone before the vectors are ready pays
 * nothing and is sent nothing; the charge is recorded before the final frame.
 */
export async function answerEmbedding(
  ctx: ServerContext,
  q: QueryRequest,
  prices: Prices,
  slot: AnswerSlot & {embedding: PreparedEmbedding},
  sealer: StreamSealer,
  res: ServerResponse,
  out: ResponseWriter,
): Promise<void> {
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.on('close', onClose);
  const deadline = setTimeout(() => abort.abort(), ctx.maxGenerationMs);
  ctx.generations.add(abort);
  try {
    let vectors: Float32Array[];
    try {
      vectors = await ctx.engine.embed!(slot.embedding, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) {
        ctx.metrics.inc('cocoon_queries_aborted_total');
        if (res.destroyed) return;
        throw new Refusal('SHUTTING_DOWN', 'The embedding was stopped before it finished; nothing is charged.');
      }
      throw engineRefusal(err, 'The engine failed while embedding.');
    }
    // Gone before anything was sent: nothing is owed (docs/protocol.md §8).
    if (res.destroyed) {
      ctx.metrics.inc('cocoon_queries_aborted_total');
      return;
    }
    const payloads = vectors.map((v) => encodeVectorPayload(v));
    const usage = {promptTokens: slot.embedding.promptTokens, completionTokens: 0};
    const signed = await chargeAnswer(ctx, slot, q, usage, prices, {
      modelHash: modelHashOf(ctx),
      sampling: NO_SAMPLING,
      inputHash: inputHash(q),
      promptHash: tokenIdsHash(slot.embedding.tokenIds.flat()),
      outputHash: tokenIdsHash([]),
      textHash: vectorsHash(payloads.map((p) => p.subarray(1))),
      reasoningTokens: 0,
    });
    if (res.destroyed) {
      ctx.metrics.inc('cocoon_queries_disconnected_total');
      return;
    }
    ctx.metrics.inc('cocoon_queries_completed_total');
    ctx.metrics.inc('cocoon_tokens_total', PROMPT_TOKENS, usage.promptTokens);
    ctx.metrics.inc('cocoon_charged_nanoton_total', undefined, Number(queryCost(usage, prices)));
    out.end(...payloads.map((p) => lengthPrefixed(sealer.push(p, false))), lengthPrefixed(sealer.push(encodeFinalPayload('stop', signed, []), true)));
  } finally {
    clearTimeout(deadline);
    ctx.generations.delete(abort);
    res.off('close', onClose);
  }
}
