/**
 * The engine contract shared by the inference engine, the provider node and the
 * protocol benchmarks (which plug in a null engine). Nothing here does I/O.
 */

import type {ChatMessage, FinishReason, Usage} from '../protocol/messages.js';

export type {ChatMessage, FinishReason, Usage} from '../protocol/messages.js';

/** What to generate. Exactly one of `prompt` or `messages`. */
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
  /** Aborts generation; the stream ends with finishReason 'abort'. */
  signal?: AbortSignal;
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
  /** Stream a generation: text events, then one done event with exact usage. Throws BUSY when the queue is full. */
  generate(request: GenerateRequest): AsyncIterable<EngineEvent>;
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
  /** Free the model and its contexts. */
  dispose(): Promise<void>;
}
