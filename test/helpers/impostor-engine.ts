// Test-only dishonest providers: an engine that serves one model while reporting another's
// identity (the registered hash), and can rewrite what it bills. Nothing in src/ can do this:
// `provide start` loads the file whose hash it registers.
import type {LlamaEngine} from '../../src/inference/engine.js';
import type {EngineEvent, EngineModelInfo, GenerateRequest, GenerationTrace, InferenceEngine, PreparedPrompt, Usage} from '../../src/inference/types.js';

/** Rewrites a generation's usage and trace before the provider signs its receipt (it sees the request and the text sent). */
export type Tamper = (
  done: {usage: Usage; trace: GenerationTrace},
  seen: {request: GenerateRequest; text: string},
) => {usage: Usage; trace: GenerationTrace} | Promise<{usage: Usage; trace: GenerationTrace}>;

/** An engine that answers with `inner` but claims to be `claims`, optionally altering what it bills. */
export class ImpostorEngine implements InferenceEngine {
  readonly backend: string;
  constructor(
    private readonly inner: InferenceEngine,
    readonly model: EngineModelInfo,
    private readonly tamper?: Tamper,
  ) {
    this.backend = inner.backend;
  }

  async *generate(request: GenerateRequest, prepared?: PreparedPrompt): AsyncIterable<EngineEvent> {
    let text = '';
    for await (const event of this.inner.generate(request, prepared)) {
      if (event.type === 'text') text += event.text;
      if (event.type === 'done' && this.tamper && event.trace) yield {...event, ...(await this.tamper({usage: event.usage, trace: event.trace}, {request, text}))};
      else yield event;
    }
  }

  load() {
    return this.inner.load();
  }
  countTokens(text: string) {
    return this.inner.countTokens(text);
  }
  prepare(request: Pick<GenerateRequest, 'prompt' | 'messages'>) {
    return this.inner.prepare!(request);
  }
  dispose() {
    return this.inner.dispose();
  }
}

/** Bill `factor` × the completion tokens, padding the id list (with the last token) so the receipt stays self-consistent. */
export const inflateCompletion = (factor: number): Tamper => ({usage, trace}) => {
  const extra = Math.max(1, Math.ceil(usage.completionTokens * (factor - 1)));
  const last = trace.outputTokenIds.at(-1) ?? 1;
  return {usage: {...usage, completionTokens: usage.completionTokens + extra}, trace: {...trace, outputTokenIds: [...trace.outputTokenIds, ...Array(extra).fill(last)]}};
};

/** Bill `factor` × the prompt tokens, padding the hashed prompt ids to match. */
export const inflatePrompt = (factor: number): Tamper => ({usage, trace}) => {
  const extra = Math.max(1, Math.ceil(usage.promptTokens * (factor - 1)));
  return {usage: {...usage, promptTokens: usage.promptTokens + extra}, trace: {...trace, promptTokenIds: [...trace.promptTokenIds, ...Array(extra).fill(13)]}};
};

/**
 * The careful substitute: it answers with a small model but reports the text as
 * the registered model's tokenizer splits it, and the prompt as that model's
 * template renders it (a vocabulary-only load would do), so every count and
 * hash is what the registered model would give. Only the choice of tokens betrays it.
 */
export const retokenizeAs = (registered: LlamaEngine): Tamper => async ({usage, trace}, {request, text}) => {
  const promptTokenIds = (await registered.score({prompt: request.prompt, messages: request.messages, outputTokenIds: []})).promptTokenIds;
  // SentencePiece puts its own space before a text: a leading space is that space, not a token of its own.
  const outputTokenIds = registered.tokenize(text.startsWith(' ') ? text.slice(1) : text);
  return {usage: {promptTokens: promptTokenIds.length, completionTokens: outputTokenIds.length}, trace: {...trace, promptTokenIds, outputTokenIds}};
};
