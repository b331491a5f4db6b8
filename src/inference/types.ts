/**
 * The engine contract shared by the inference engine, the provider node and the
 * protocol benchmarks (which plug in a null engine). Nothing here does I/O.
 */

import type {ChatMessage, FinishReason, Usage} from '../protocol/messages.js';
import type {ResponseFormat} from '../protocol/response-format.js';

export type {ChatMessage, FinishReason, Usage} from '../protocol/messages.js';

/**
 * What to generate. Exactly one of `prompt` or `messages`; with a
 * PreparedPrompt passed to generate, either neither (the prepared input is
 * used) or the very input it was prepared from.
 */
export interface GenerateRequest {
  /** Plain completion input. */
  prompt?: string;
  /** Chat input, rendered through the model's chat template (or a plain fallback). */
  messages?: ChatMessage[];
  /** Upper bound on completion tokens. */
  maxTokens: number;
  /** Sampling temperature; 0 = greedy. Default: engine's. */
  temperature?: number;
  /** Nucleus sampling. */
  topP?: number;
  /** Sampling seed, for reproducible output. */
  seed?: number;
  /** Generation ends before any of these strings. */
  stop?: string[];
  /**
   * Constrain the output to any JSON object or a JSON Schema (what the
   * protocol carries), or, for local callers and tests only, to a GBNF
   * grammar. Default: free text. INVALID_INPUT for a schema outside the subset.
   */
  format?: ResponseFormat | {type: 'gbnf'; grammar: string};
  /** Aborts generation; the stream ends with finishReason 'abort'. */
  signal?: AbortSignal;
}

/**
 * A request's input rendered (chat template applied) and tokenised once, from
 * InferenceEngine.prepare: its exact prompt count, and a handle generate()
 * reads instead of rendering again. Immutable; it can be generated from more
 * than once, but only by the engine that made it.
 */
export interface PreparedPrompt {
  /** Tokens the model reads, beginning token included: the `usage.promptTokens` of a generation from it. */
  readonly promptTokens: number;
  /** Engine-private (the LlamaEngine keeps the token array and template stops here); opaque to callers. */
  readonly handle: unknown;
}

/** One event of a generation stream: text chunks, then exactly one `done`. */
export type EngineEvent =
  | {type: 'text'; text: string}
  | {type: 'done'; usage: Usage; finishReason: FinishReason};

/** What an engine serves. */
export interface EngineModelInfo {
  /** Model name (file name or registry name). */
  name: string;
  /** Architecture from the GGUF header, e.g. llama, qwen2. */
  architecture: string;
  /** SHA-256 of the model file, hex; empty for engines without a file. */
  sha256: string;
  /** Context window in tokens. */
  contextSize: number;
}

/** Live load of an engine. */
export interface EngineLoad {
  /** Generations running now. */
  active: number;
  /** Generations waiting for a free sequence. */
  queued: number;
  /** Sequences that can run at once. */
  parallel: number;
  /** Largest queue accepted before requests are refused as busy. */
  maxQueue: number;
}

/** A loaded model that generates text. The real one wraps node-llama-cpp. */
export interface InferenceEngine {
  /** The model being served. */
  readonly model: EngineModelInfo;
  /** Backend in use: cuda, vulkan, metal, cpu or null. */
  readonly backend: string;
  /**
   * Stream a generation: text events, then one done event with exact usage.
   * Throws BUSY when the queue is full, INVALID_INPUT for a bad request or a
   * prompt that does not fit the context. With `prepared` (from this engine's
   * prepare) the prompt is not rendered or tokenised again: its tokens are
   * used and `usage.promptTokens` is `prepared.promptTokens`; the request then
   * gives the sampling parameters, stop strings, maxTokens and signal.
   */
  generate(request: GenerateRequest, prepared?: PreparedPrompt): AsyncIterable<EngineEvent>;
  /** Current load. */
  load(): EngineLoad;
  /** Count tokens the way generation would (for pricing a prompt before running it). */
  countTokens(text: string): Promise<number>;
  /**
   * Prompt tokens a whole request would use (chat template applied), without
   * running it; equals the request's `usage.promptTokens`. Optional: engines
   * without templates may leave it out and callers fall back to countTokens.
   */
  countPromptTokens?(request: GenerateRequest): Promise<number>;
  /**
   * Render and tokenise a request's input once, for counting it and then
   * generating from it (generate(request, prepared)) without a second pass.
   * Throws INVALID_INPUT for malformed input (not both or neither of prompt
   * and messages); a prompt over the context is not refused here but by
   * generate, as without prepare. Reads only `prompt` and `messages`.
   * Optional: callers without it use countPromptTokens / countTokens and a
   * plain generate(request).
   */
  prepare?(request: Pick<GenerateRequest, 'prompt' | 'messages'>): Promise<PreparedPrompt>;
  /** Free the model and its contexts. */
  dispose(): Promise<void>;
}
