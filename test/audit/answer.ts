// An answer to re-score, straight from an engine's own generation: the receipt a
// provider would sign for it (money fields aside), so rescore() judges exactly what
// the model did, and a test can change one thing an honest provider would not.
import {Address} from '@ton/core';
import type {ChallengeRequest} from '../../src/audit/challenge.js';
import type {ScoredAnswer} from '../../src/audit/rescore.js';
import {inputHash, samplingAsSigned, textHash, tokenIdsHash} from '../../src/protocol/receipt.js';
import type {EngineEvent, GenerationTrace, InferenceEngine} from '../../src/inference/types.js';

/** Generate `request` on `engine` and return it as a ScoredAnswer with its receipt. */
export async function generatedAnswer(engine: InferenceEngine, request: ChallengeRequest): Promise<ScoredAnswer & {finishReason: string; trace: GenerationTrace}> {
  let text = '';
  let done: Extract<EngineEvent, {type: 'done'}> | undefined;
  for await (const e of engine.generate({prompt: request.prompt, messages: request.messages, maxTokens: request.maxTokens, ...request.params})) {
    if (e.type === 'text') text += e.text;
    else done = e;
  }
  const trace = done!.trace!;
  return {...answerOf(engine, request, trace, text), finishReason: done!.finishReason, trace};
}

/** The receipt-bearing answer for ids and text (self-consistent: every hash is of what it holds). */
export function answerOf(engine: InferenceEngine, request: ChallengeRequest, trace: GenerationTrace, text: string): ScoredAnswer {
  return {
    request,
    tokenIds: [...trace.outputTokenIds],
    text,
    receipt: {
      queryId: new Uint8Array(16),
      channel: new Address(0, Buffer.alloc(32)),
      usage: {promptTokens: trace.promptTokenIds.length, completionTokens: trace.outputTokenIds.length},
      prices: {prompt: 1n, completion: 1n},
      cost: 0n,
      total: 0n,
      timestamp: Date.now(),
      modelHash: Buffer.from(engine.model.sha256 || '00'.repeat(32), 'hex'),
      sampling: samplingAsSigned(trace.sampling),
      inputHash: inputHash(request),
      promptHash: tokenIdsHash(trace.promptTokenIds),
      outputHash: tokenIdsHash(trace.outputTokenIds),
      textHash: textHash(text),
      reasoningTokens: trace.reasoningTokens ?? 0,
    },
  };
}
