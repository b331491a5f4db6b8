/**
 * The real InferenceEngine: a GGUF model in node-llama-cpp, N context sequences
 * serving N generations at once, a bounded queue, streamed events and exact
 * token metering.
 */
import {randomInt} from 'node:crypto';
import type {ChatWrapper, ControlledEvaluateInputItem, LlamaCompletion, LlamaContext, LlamaContextSequence, LlamaModel, Token} from 'node-llama-cpp';
import {CocoonError, isCocoonError} from '../errors.js';
import {Channel} from './channel.js';
import {checkGgufFile, readGgufModelInfo} from './gguf.js';
import {GrammarCache} from './grammar.js';
import {modelSha256} from './hash.js';
import {errorMark, importLlamaCpp, llamaErrorsSince, loadLlama, type GpuOption, type Llama} from './llama.js';
import {SlotPool} from './pool.js';
import {beginningToken, copyInput, renderPrompt, sameInput, tokenizePlain, type PromptInput, type RenderedPrompt} from './prompt.js';
import {defaultThreads} from './threads.js';
import {closeTagTokens, countThought, isThinkingTemplate, promptOpensThought, THINK_CLOSING_TEXT, thoughtRunway, type ThoughtClosing} from './think.js';
import type {SamplingUsed} from '../protocol/wire.js';
import type {EngineEvent, EngineLoad, EngineModelInfo, FinishReason, GenerateRequest, InferenceEngine, PreparedPrompt, ScoreRequest, TokenScores} from './types.js';

/** Options for createEngine. */
export interface LlamaEngineOptions {
  /** Path of the .gguf model file. Required. */
  modelPath: string;
  /** GPU backend: 'auto' (best available, CPU if none), a forced one, or false for CPU only. Default: 'auto'. */
  gpu?: GpuOption;
  /** CPU threads for evaluation. Default: physical cores, or 1 for models under 256 MiB (see threads.ts). */
  threads?: number;
  /** Context sequences, i.e. generations that run at once. Default: 1. */
  parallel?: number;
  /** Context window per sequence, in tokens. Default: the model's training context, at most 4096. */
  contextSize?: number;
  /** Requests allowed to wait for a free sequence before BUSY. Default: 4 × parallel. */
  maxQueue?: number;
  /** Layers to offload to the GPU. Default: 'auto' (as many as fit); 0 when gpu is false. */
  gpuLayers?: number | 'auto';
  /** Temperature when a request gives none; 0 = greedy. Default: 0.7. */
  temperature?: number;
  /** Top-p when a request gives none. Default: 0.9. */
  topP?: number;
  /** Top-k when a request gives none; 0 = the whole vocabulary. Default: 40. */
  topK?: number;
  /** Hash the model file for EngineModelInfo.sha256 (cached by path, size and mtime). Default: true. */
  hash?: boolean;
  /** Model name reported in EngineModelInfo. Default: the GGUF's general.name or the file name. */
  name?: string;
}

/** What a LlamaEngine keeps for a PreparedPrompt it made (keyed by its handle, so callers cannot alter it). */
interface Prepared {
  /** The input it was rendered from (a copy), to check a request against. */
  input: PromptInput;
  rendered: RenderedPrompt;
}

interface Slot {
  sequence: LlamaContextSequence;
  completion: LlamaCompletion;
}

const STOP_REASONS: Record<string, FinishReason> = {
  eogToken: 'stop',
  stopGenerationTrigger: 'stop',
  customStopTrigger: 'stop',
  maxTokens: 'length',
  abort: 'abort',
};

/** The node-llama-cpp engine. Create it with createEngine. */
export class LlamaEngine implements InferenceEngine {
  private readonly running = new Set<{abort: AbortController; done: Promise<void>}>();
  private readonly prepared = new WeakMap<object, Prepared>();
  private disposed = false;
  private eog?: number[];

  /** @internal use createEngine */
  constructor(
    readonly model: EngineModelInfo,
    readonly backend: string,
    /** Threads each evaluation uses. */
    readonly threads: number,
    private readonly llamaModel: LlamaModel,
    private readonly context: LlamaContext,
    private readonly pool: SlotPool<Slot>,
    private readonly chatWrapper: ChatWrapper | null,
    private readonly defaults: {temperature: number; topP: number; topK: number},
    private readonly grammars: GrammarCache,
    /** How this model closes a thought, for thought budgets; null when its chat template does not think (docs/protocol.md §4.2). */
    readonly thinking: ThoughtClosing | null = null,
  ) {}

  /**
   * Start a generation and stream its events. The request is accepted (or
   * refused with BUSY / INVALID_INPUT) synchronously, and runs as soon as a
   * sequence is free, whether or not the stream is read yet. Leaving the
   * stream early (break) aborts the generation.
   *
   * With `prepared` (from this engine's prepare) the prompt's tokens come from
   * it and nothing is rendered or tokenised again; the request may then leave
   * out prompt and messages, and if it gives them they must be the input the
   * prompt was prepared from (else INVALID_INPUT).
   */
  generate(request: GenerateRequest, prepared?: PreparedPrompt): AsyncIterable<EngineEvent> {
    if (this.disposed) throw new CocoonError('MODEL_ERROR', 'The engine has been disposed.');
    if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) {
      throw new CocoonError('INVALID_INPUT', `maxTokens must be a positive integer, got ${request.maxTokens}.`);
    }
    const rendered = prepared ? this.preparedFor(request, prepared) : renderPrompt(this.llamaModel, this.chatWrapper, request);
    const stopTriggers = [...(request.stop ?? []).filter((s) => s.length > 0), ...rendered.templateStops];
    // Checked and compiled (or found in the cache) before the request is accepted: a bad schema is refused here.
    const grammar = request.format ? this.grammars.grammarFor(request.format) : undefined;
    if (rendered.promptTokens >= this.model.contextSize) {
      throw new CocoonError('INVALID_INPUT', `Prompt of ${rendered.promptTokens} tokens does not fit the ${this.model.contextSize}-token context.`, {
        hint: 'Shorten the prompt or start the engine with a larger contextSize.',
        details: {promptTokens: rendered.promptTokens, contextSize: this.model.contextSize},
      });
    }
    const abort = new AbortController();
    const slotPromise = this.pool.acquire(abort.signal); // throws BUSY synchronously
    const onCallerAbort = () => abort.abort(request.signal?.reason);
    if (request.signal?.aborted) onCallerAbort();
    else request.signal?.addEventListener('abort', onCallerAbort, {once: true});

    const channel = new Channel<EngineEvent>();
    const run = async () => {
      let slot: Slot;
      try {
        slot = await slotPromise;
      } catch (error) {
        if (abort.signal.aborted) channel.push({type: 'done', usage: {promptTokens: 0, completionTokens: 0}, finishReason: 'abort'});
        else channel.fail(error);
        return;
      }
      if (abort.signal.aborted) {
        // Aborted before it ran: nothing was evaluated, nothing is billed.
        this.pool.release(slot);
        channel.push({type: 'done', usage: {promptTokens: 0, completionTokens: 0}, finishReason: 'abort'});
        return;
      }
      let completionTokens = 0;
      const outputTokenIds: number[] = [];
      const sampling = this.samplingFor(request);
      const trace = () => ({promptTokenIds: rendered.promptTokenIds, outputTokenIds, sampling, reasoningTokens: this.thoughtTokens(rendered, outputTokenIds)});
      try {
        const temperature = sampling.temperature;
        // After a forced closing the answer is a new completion to LlamaCompletion, whose text chunks would start it afresh
        // (SentencePiece drops a first token's leading space); its text then comes from the tokens, decoded after what came before.
        const complete = (input: Token[], maxTokens: number, seed: number, continued = false) =>
          slot.completion.generateCompletionWithMeta(input, {
            maxTokens,
            temperature,
            // Greedy decoding ignores top-p and top-k; not passing them keeps the sampler chain minimal.
            topP: temperature > 0 ? sampling.topP : undefined,
            topK: temperature > 0 ? sampling.topK : undefined,
            seed,
            // No repeat penalty: the receipt's sampler (docs/protocol.md §6) is all an auditor needs to re-score the answer.
            repeatPenalty: false,
            customStopTriggers: stopTriggers.length > 0 ? stopTriggers : undefined,
            grammar,
            signal: abort.signal,
            stopOnAbortSignal: true,
            // No context shift: the prompt is never re-evaluated, so usage stays exact; a full context ends with 'length'.
            disableContextShift: true,
            // LlamaCompletion cuts its input to contextSize - contextShiftSize (default a tenth of the
            // context) from the left, silently: 1 keeps every prompt the check above lets through whole.
            contextShiftSize: 1,
            onToken: (tokens) => {
              completionTokens += tokens.length;
              const before = continued ? (outputTokenIds.slice(-16) as Token[]) : undefined;
              outputTokenIds.push(...tokens);
              if (before) {
                const text = this.llamaModel.detokenize(tokens, false, before);
                if (text) channel.push({type: 'text', text});
              }
            },
            onTextChunk: (text) => {
              if (text && !continued) channel.push({type: 'text', text});
            },
          });
        // A thought budget (docs/protocol.md §4.2): the model writes up to the runway, then, if its thought is still open,
        // the provider appends the closing text and generation goes on to the answer (the sampler reseeded with seed + 1).
        const budget = this.thinking && !grammar && request.thinkBudget !== undefined ? thoughtRunway(request.thinkBudget, this.thinking.tagTokens) : undefined;
        let result = await complete(rendered.tokens, budget !== undefined ? Math.min(budget, request.maxTokens) : request.maxTokens, sampling.seed);
        if (budget !== undefined && result.metadata.stopReason === 'maxTokens' && completionTokens === budget && !abort.signal.aborted) {
          const closing = this.thinking!.tokenIds;
          const thought = countThought(this.pieces(outputTokenIds), this.promptOpensThought(rendered));
          const forced = thought.thinking && !thought.closed;
          const left = request.maxTokens - completionTokens - (forced ? closing.length : 0);
          if (left > 0) {
            if (forced) {
              completionTokens += closing.length;
              outputTokenIds.push(...closing);
              channel.push({type: 'text', text: this.llamaModel.detokenize(closing as Token[], false, outputTokenIds.slice(0, -closing.length) as Token[])});
            }
            result = await complete([...rendered.tokens, ...(outputTokenIds as Token[])], left, (sampling.seed + 1) % 2 ** 32, true);
          }
        }
        const finishReason = abort.signal.aborted ? 'abort' : (STOP_REASONS[result.metadata.stopReason] ?? 'stop');
        channel.push({type: 'done', usage: {promptTokens: rendered.promptTokens, completionTokens}, finishReason, trace: trace()});
      } catch (error) {
        if (abort.signal.aborted) {
          channel.push({type: 'done', usage: {promptTokens: rendered.promptTokens, completionTokens}, finishReason: 'abort', trace: trace()});
        } else {
          channel.fail(
            isCocoonError(error)
              ? error
              : new CocoonError('MODEL_ERROR', `Generation failed: ${(error as Error).message}`, {cause: error}),
          );
        }
      } finally {
        this.pool.release(slot);
      }
    };
    const entry = {abort, done: Promise.resolve()};
    entry.done = run().finally(() => {
      request.signal?.removeEventListener('abort', onCallerAbort);
      this.running.delete(entry);
      channel.close();
    });
    this.running.add(entry);

    return {
      [Symbol.asyncIterator]: () => {
        const inner = channel[Symbol.asyncIterator]();
        return {
          next: () => inner.next(),
          return: async (value?: unknown) => {
            abort.abort(new CocoonError('ABORTED', 'Stream closed by the reader.'));
            await entry.done;
            await inner.return?.();
            return {done: true as const, value: value as undefined};
          },
        };
      },
    };
  }

  /** Each token's own text (for the thought rule, which looks only for ASCII tags). */
  private pieces(ids: readonly number[]): string[] {
    return ids.map((id) => this.llamaModel.detokenize([id as Token]));
  }

  /** Whether the rendered prompt itself opens the thought (templates that write `<think>` before the answer). */
  private promptOpensThought(rendered: {promptTokenIds: readonly number[]}): boolean {
    return promptOpensThought(this.llamaModel.detokenize(rendered.promptTokenIds.slice(-8) as Token[]));
  }

  /** Thought tokens of an output (docs/protocol.md §4.2): 0 for models whose template does not think. */
  private thoughtTokens(rendered: {promptTokenIds: readonly number[]}, output: readonly number[]): number {
    return this.thinking ? countThought(this.pieces(output), this.promptOpensThought(rendered)).tokens : 0;
  }

  /** The sampler a request runs with: its own values, else the engine's defaults, and a fresh seed when it gave none. */
  private samplingFor(request: GenerateRequest): SamplingUsed {
    return {
      temperature: request.temperature ?? this.defaults.temperature,
      topP: request.topP ?? this.defaults.topP,
      topK: request.topK ?? this.defaults.topK,
      seed: request.seed ?? randomInt(0, 2 ** 32 - 1),
    };
  }

  /**
   * Re-score a completion by prefill (src/audit): prompt and output go through
   * one controlledEvaluate on a sequence borrowed from the generation pool, and
   * every output position gets the model's `listSize` most likely next tokens
   * (probabilities over that list, as llama.cpp's top-K then softmax gives them)
   * and the rank of the token the completion has there. No second copy of the model.
   */
  async score(request: ScoreRequest): Promise<TokenScores> {
    if (this.disposed) throw new CocoonError('MODEL_ERROR', 'The engine has been disposed.');
    const rendered = renderPrompt(this.llamaModel, this.chatWrapper, request);
    const output = request.outputTokenIds;
    const input: Token[] = [...rendered.promptTokenIds, ...output] as Token[];
    if (input.length > this.model.contextSize) {
      throw new CocoonError('INVALID_INPUT', `Prompt and completion are ${input.length} tokens; this engine's context holds ${this.model.contextSize}.`, {
        hint: 'Load the model with a context at least as large as the provider’s.',
      });
    }
    const vocabulary = this.vocabularySize();
    for (const id of output) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabulary) throw new CocoonError('INVALID_INPUT', `Token id ${id} is not in this model's vocabulary.`);
    }
    const listSize = request.listSize ?? 40;
    const first = rendered.promptTokenIds.length - 1;
    // Temperature 1 with top-K = listSize and top-p = 1: the candidates are the listSize largest logits, softmaxed.
    const next = {generateNext: {probabilities: true, options: {temperature: 1, topK: listSize, topP: 1, minP: 0, seed: 0}}};
    // Every output position, and the one after the last token (was stopping the model's choice?).
    const items: ControlledEvaluateInputItem[] = input.map((t, i) => (i >= first ? [t, next] : t));
    const slot = await this.pool.acquire(request.signal);
    let results;
    try {
      await slot.sequence.clearHistory();
      results = input.length === 0 ? [] : await slot.sequence.controlledEvaluate(items);
    } finally {
      this.pool.release(slot);
    }
    const listAt = (i: number) => {
      const probabilities = results[i]?.next.probabilities;
      if (!probabilities) throw new CocoonError('MODEL_ERROR', `The model gave no probabilities at output position ${i - first}.`);
      return [...probabilities.entries()] as [number, number][];
    };
    const positions = output.map((token, k) => {
      const list = listAt(first + k);
      return {token, rank: list.findIndex(([id]) => id === token), list};
    });
    const end = input.length > 0 ? listAt(first + output.length) : undefined;
    const tokens = this.llamaModel.tokens;
    const endTokens = [...new Set([tokens.eos, tokens.eot, ...this.endOfGenerationTokens()].filter((t): t is Token => t !== null && t !== undefined))];
    return {
      promptTokenIds: [...rendered.promptTokenIds],
      positions,
      text: this.llamaModel.detokenize(output as Token[]),
      pieces: this.pieces(output),
      ...(end ? {end, endPieces: this.pieces(end.map(([id]) => id))} : {}),
      tailPieces: positions.slice(-3).map((p) => this.pieces(p.list.map(([id]) => id))),
      endTokens,
      stopTexts: rendered.templateStops.map((t) => this.stopText(t)),
      ...(this.thinking ? {thinking: {promptOpened: this.promptOpensThought(rendered), closing: {tokenIds: [...this.thinking.tokenIds], tagTokens: this.thinking.tagTokens}}} : {}),
    };
  }

  /** A stop trigger as text (its tokens detokenised with their special text). */
  private stopText(trigger: RenderedPrompt['templateStops'][number]): string {
    if (typeof trigger === 'string') return trigger;
    if (!Array.isArray(trigger)) return String(trigger);
    return (trigger as readonly (string | Token)[]).map((p) => (typeof p === 'string' ? p : this.llamaModel.detokenize([p], true))).join('');
  }

  /** The vocabulary's end-of-generation tokens (llama.cpp's is_eog), as far as node-llama-cpp tells them. */
  private endOfGenerationTokens(): number[] {
    if (this.eog) return this.eog;
    const out: number[] = (this.eog = []);
    const size = Math.min(this.vocabularySize(), 1 << 20);
    const model = this.llamaModel as unknown as {isEogToken?: (t: Token) => boolean};
    if (typeof model.isEogToken !== 'function') return out;
    for (let t = 0; t < size; t++) if (model.isEogToken(t as Token)) out.push(t);
    return out;
  }

  /** Tokens in the vocabulary (the GGUF's token list), so a forged id is refused before llama.cpp reads it. */
  private vocabularySize(): number {
    const tokens = (this.llamaModel.fileInfo.metadata as unknown as {tokenizer?: {ggml?: {tokens?: unknown[]}}}).tokenizer?.ggml?.tokens;
    return Array.isArray(tokens) ? tokens.length : Infinity;
  }

  /** Current load. */
  load(): EngineLoad {
    return {active: this.pool.active, queued: this.pool.queued, parallel: this.pool.size, maxQueue: this.pool.maxQueue};
  }

  /** Tokens of `text` as a plain prompt, beginning token included (= usage.promptTokens for {prompt: text}). */
  async countTokens(text: string): Promise<number> {
    return tokenizePlain(this.llamaModel, text).length + (beginningToken(this.llamaModel) !== null ? 1 : 0);
  }

  /**
   * Render (chat template applied) and tokenise a request's input once; pass
   * the result to generate(request, prepared) to run it without doing that
   * again. Throws INVALID_INPUT for malformed input; a prompt over the context
   * is refused by generate, not here.
   */
  async prepare(request: PromptInput): Promise<PreparedPrompt> {
    if (this.disposed) throw new CocoonError('MODEL_ERROR', 'The engine has been disposed.');
    const rendered = renderPrompt(this.llamaModel, this.chatWrapper, request);
    Object.freeze(rendered.tokens);
    Object.freeze(rendered.templateStops);
    const handle = Object.freeze({});
    this.prepared.set(handle, {input: copyInput(request), rendered: Object.freeze(rendered)});
    return Object.freeze({promptTokens: rendered.promptTokens, handle});
  }

  /** Prompt tokens a request would use (chat template applied), without running it: prepare's count. */
  async countPromptTokens(request: GenerateRequest): Promise<number> {
    return (await this.prepare(request)).promptTokens;
  }

  /** The rendering a PreparedPrompt stands for, checked against the request. */
  private preparedFor(request: GenerateRequest, prepared: PreparedPrompt): RenderedPrompt {
    const kept = this.prepared.get(prepared.handle as object);
    if (!kept) throw new CocoonError('INVALID_INPUT', 'This PreparedPrompt was not made by this engine.', {hint: 'Pass generate() the result of this engine\'s prepare().'});
    if ((request.prompt !== undefined || request.messages !== undefined) && !sameInput(request, kept.input)) {
      throw new CocoonError('INVALID_INPUT', 'The request\'s prompt or messages are not the input its PreparedPrompt was made from.');
    }
    return kept.rendered;
  }

  /** The model's token ids for `text`, with no beginning token; for tests and tools. */
  tokenize(text: string): number[] {
    return [...this.llamaModel.tokenize(text)];
  }

  /** End running and queued generations (each stream ends with an 'abort' done event), then free the context and model. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.close(new CocoonError('ABORTED', 'The engine was disposed.'));
    const runs = [...this.running];
    for (const r of runs) r.abort.abort(new CocoonError('ABORTED', 'The engine was disposed.'));
    await Promise.allSettled(runs.map((r) => r.done));
    await this.context.dispose();
    await this.llamaModel.dispose();
  }
}

function modelLoadError(modelPath: string, what: string, error: unknown, mark: number): CocoonError {
  const llamaSaid = llamaErrorsSince(mark).slice(-3).join('; ');
  return new CocoonError('MODEL_ERROR', `Could not ${what} ${modelPath}: ${(error as Error).message}${llamaSaid ? ` (${llamaSaid})` : ''}`, {
    hint: 'Check that the file is a complete GGUF model this llama.cpp supports; try a smaller contextSize or --gpu false if memory ran out.',
    details: {path: modelPath},
    cause: error,
  });
}

/**
 * Load a GGUF model and return a ready engine. Throws CocoonError('MODEL_ERROR')
 * for a missing, truncated or non-GGUF file, or one llama.cpp cannot load.
 */
export async function createEngine(options: LlamaEngineOptions): Promise<LlamaEngine> {
  const gpu = options.gpu ?? 'auto';
  await checkGgufFile(options.modelPath); // fail fast on a missing or non-GGUF file
  // Load the backend first so tensor sizing reuses it.
  const llamaPromise = loadLlama(gpu);
  llamaPromise.catch(() => undefined);
  const info = await readGgufModelInfo(options.modelPath, {llama: await llamaPromise.catch(() => undefined)});
  const llama: Llama = await llamaPromise;
  const parallel = options.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1) throw new CocoonError('INVALID_INPUT', `parallel must be a positive integer, got ${parallel}.`);
  const threads = options.threads ?? (await defaultThreads(info.weightsBytes));
  const sha256 = options.hash === false ? '' : await modelSha256(info.path);
  const mark = errorMark();
  let model: LlamaModel;
  try {
    model = await llama.loadModel({modelPath: info.path, gpuLayers: gpu === false ? 0 : (options.gpuLayers ?? 'auto')});
  } catch (error) {
    throw modelLoadError(info.path, 'load', error, mark);
  }
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: parallel,
      contextSize: options.contextSize ?? Math.min(info.contextLength || 4096, 4096),
      threads,
    });
  } catch (error) {
    await model.dispose();
    throw modelLoadError(info.path, 'create a context for', error, mark);
  }
  const {LlamaCompletion, LlamaGrammar, LlamaJsonSchemaGrammar, resolveChatWrapper} = await importLlamaCpp();
  const slots: Slot[] = [];
  for (let i = 0; i < parallel; i++) {
    const sequence = context.getSequence();
    slots.push({sequence, completion: new LlamaCompletion({contextSequence: sequence})});
  }
  let chatWrapper: ChatWrapper | null = null;
  if (info.hasChatTemplate) {
    try {
      chatWrapper = resolveChatWrapper(model, {warningLogs: false});
    } catch {
      chatWrapper = null; // an unusable template: fall back to the plain transcript
    }
  }
  const template = (model.fileInfo.metadata as unknown as {tokenizer?: {chat_template?: unknown}}).tokenizer?.chat_template;
  let thinking: ThoughtClosing | null = null;
  if (isThinkingTemplate(typeof template === 'string' ? template : undefined)) {
    const tokenIds = [...tokenizePlain(model, THINK_CLOSING_TEXT)] as number[];
    thinking = {tokenIds, tagTokens: closeTagTokens(tokenIds.map((id) => model.detokenize([id as Token])))};
  }
  const modelInfo: EngineModelInfo = {
    name: options.name ?? info.name,
    architecture: info.architecture,
    sha256,
    contextSize: context.contextSize,
  };
  return new LlamaEngine(
    modelInfo,
    llama.gpu === false ? 'cpu' : llama.gpu,
    threads,
    model,
    context,
    new SlotPool(slots, options.maxQueue ?? 4 * parallel),
    chatWrapper,
    {temperature: options.temperature ?? 0.7, topP: options.topP ?? 0.9, topK: options.topK ?? 40},
    new GrammarCache(llama, LlamaJsonSchemaGrammar, {}, LlamaGrammar),
    thinking,
  );
}
