import {createHash} from 'node:crypto';
import {CocoonError} from '../errors.js';
import {copyInput, sameInput, type PromptInput} from '../inference/prompt.js';
import type {EngineEvent, EngineLoad, EngineModelInfo, GenerateRequest, InferenceEngine, PreparedPrompt} from '../inference/types.js';

/** Options of the null engine. */
export interface NullEngineOptions {
  /** Model name it reports. Default: 'null'. */
  name?: string;
  /** Context window it reports, tokens. Default: 65,536. */
  contextSize?: number;
  /** Completion tokens per answer (capped by maxTokens). Default: the request's maxTokens. */
  tokens?: number;
  /** Delay per token, ms. Default: 0 (yields to the event loop every 16 tokens). */
  delayMs?: number;
  /** Sequences that run at once. Default: 4. */
  parallel?: number;
  /** Queue beyond `parallel` before BUSY. Default: 64. */
  maxQueue?: number;
  /** Throw MODEL_ERROR after this many tokens (failure tests). Default: never. */
  failAfter?: number;
}

const WORDS = ['Once', ' upon', ' a', ' time', ',', ' a', ' small', ' fox', ' found', ' a', ' red', ' ball', '.', ' It', ' was', ' happy', '.'];

/** Token count as the null engine counts: whitespace-separated words. */
function count(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * A deterministic engine with exact fake usage, for protocol tests and
 * benchmarks: the completion is WORDS cycled from an offset taken from the
 * prompt's SHA-256, one word per token; promptTokens = words in the prompt
 * (messages joined by newlines).
 */
export class NullEngine implements InferenceEngine {
  readonly backend = 'null';
  readonly model: EngineModelInfo;
  private active = 0;
  /** Inputs of the PreparedPrompts this engine made, by handle. */
  private readonly prepared = new WeakMap<object, {input: PromptInput; text: string; promptTokens: number}>();
  /** Times it has counted a prompt's tokens (its "tokeniser"), for tests of prepare(). */
  tokenizeCalls = 0;

  constructor(private readonly options: NullEngineOptions = {}) {
    this.model = {name: options.name ?? 'null', architecture: 'null', sha256: '', contextSize: options.contextSize ?? 1 << 16};
  }

  /** The exact completion text this engine gives for a prompt and token count (for test assertions). */
  static expectedText(input: string, tokens: number): string {
    const offset = createHash('sha256').update(input).digest()[0]! % WORDS.length;
    let out = '';
    for (let i = 0; i < tokens; i++) out += WORDS[(offset + i) % WORDS.length];
    return out;
  }

  /** The text the engine reads for a request. */
  static input(request: Pick<GenerateRequest, 'prompt' | 'messages'>): string {
    return request.prompt ?? (request.messages ?? []).map((m) => m.content).join('\n');
  }

  load(): EngineLoad {
    // Every generation runs at once here; those beyond `parallel` are reported as queued.
    const parallel = this.options.parallel ?? 4;
    return {active: Math.min(this.active, parallel), queued: Math.max(0, this.active - parallel), parallel, maxQueue: this.options.maxQueue ?? 64};
  }

  async countTokens(text: string): Promise<number> {
    return this.count(text);
  }

  /** Count a request's input once; generate(request, prepared) then reuses the count. */
  async prepare(request: PromptInput): Promise<PreparedPrompt> {
    if ((typeof request.prompt === 'string') === Array.isArray(request.messages)) {
      throw new CocoonError('INVALID_INPUT', 'A generation needs exactly one of `prompt` or `messages`.');
    }
    const text = NullEngine.input(request);
    const promptTokens = this.count(text);
    const handle = Object.freeze({});
    this.prepared.set(handle, {input: copyInput(request), text, promptTokens});
    return Object.freeze({promptTokens, handle});
  }

  private count(text: string): number {
    this.tokenizeCalls++;
    return count(text);
  }

  async dispose(): Promise<void> {}

  generate(request: GenerateRequest, prepared?: PreparedPrompt): AsyncIterable<EngineEvent> {
    let kept: {text: string; promptTokens: number} | undefined;
    if (prepared) {
      const entry = this.prepared.get(prepared.handle as object);
      if (!entry) throw new CocoonError('INVALID_INPUT', 'This PreparedPrompt was not made by this engine.');
      if ((request.prompt !== undefined || request.messages !== undefined) && !sameInput(request, entry.input)) {
        throw new CocoonError('INVALID_INPUT', "The request's prompt or messages are not the input its PreparedPrompt was made from.");
      }
      kept = entry;
    }
    const load = this.load();
    if (this.active >= load.parallel + load.maxQueue) throw new CocoonError('BUSY', 'Null engine queue is full.');
    return this.run(request, kept);
  }

  private async *run(request: GenerateRequest, prepared?: {text: string; promptTokens: number}): AsyncGenerator<EngineEvent> {
    const input = prepared?.text ?? NullEngine.input(request);
    const promptTokens = prepared?.promptTokens ?? this.count(input);
    const total = Math.min(this.options.tokens ?? request.maxTokens, request.maxTokens);
    const offset = createHash('sha256').update(input).digest()[0]! % WORDS.length;
    const delay = this.options.delayMs ?? 0;
    this.active++;
    let produced = 0;
    try {
      for (; produced < total; produced++) {
        if (request.signal?.aborted) break;
        if (this.options.failAfter !== undefined && produced >= this.options.failAfter) {
          throw new CocoonError('MODEL_ERROR', 'Null engine failure (failAfter).');
        }
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        else if (produced % 16 === 15) await new Promise((r) => setImmediate(r));
        if (request.signal?.aborted) break;
        yield {type: 'text', text: WORDS[(offset + produced) % WORDS.length]!};
      }
      const outputTokenIds = Array.from({length: produced}, (_, i) => (offset + i) % WORDS.length);
      // Its "token ids": word indices out, a hash per prompt word in, so receipts commit to something checkable.
      const promptTokenIds = input.split(/\s+/).filter(Boolean).map((w) => createHash('sha256').update(w).digest().readUInt32BE(0));
      const sampling = {temperature: request.temperature ?? 0, topP: request.topP ?? 1, topK: request.topK ?? 0, seed: request.seed ?? 0};
      yield {
        type: 'done',
        usage: {promptTokens, completionTokens: produced},
        trace: {promptTokenIds, outputTokenIds, sampling},
        finishReason: request.signal?.aborted ? 'abort' : produced >= request.maxTokens ? 'length' : 'stop',
      };
    } finally {
      this.active--;
    }
  }
}
