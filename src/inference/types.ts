/**
 * The engine contract shared by the inference engine, the provider node and the
 * protocol benchmarks (which plug in a null engine). Nothing here does I/O.
 */

import type {ChatMessage, FinishReason, Usage} from '../protocol/messages.js';
import type {ResponseFormat} from '../protocol/response-format.js';
import type {SamplingUsed} from '../protocol/wire.js';

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
  /** Keep the K most likely tokens before top-p; 0 = the whole vocabulary. Default: engine's (40). */
  topK?: number;
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
  /**
   * Most thought tokens (docs/protocol.md §4.2): a model whose chat template
   * thinks (`<think>`) gets its thought closed by the engine after this many
   * tokens, and goes on to the answer. Ignored for other models and with `format`. Default: no bound.
   */
  thinkBudget?: number;
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

/**
 * What a generation committed to, for its receipt (docs/protocol.md §6) and
 * for an auditor who re-scores it (src/audit): the exact token ids read and
 * written, and the sampler it ran with.
 */
export interface GenerationTrace {
  /** Tokens the model read, beginning token included (`usage.promptTokens` of them). */
  promptTokenIds: readonly number[];
  /** Tokens it generated and was billed for, in order (`usage.completionTokens` of them). */
  outputTokenIds: readonly number[];
  /** The sampler used, the seed included (chosen by the engine when the request gave none). */
  sampling: SamplingUsed;
  /** Thought tokens among the output (docs/protocol.md §4.2; 0 when the model does not think). Default: 0. */
  reasoningTokens?: number;
}

/** One event of a generation stream: text chunks, then exactly one `done`. */
export type EngineEvent =
  | {type: 'text'; text: string}
  | {type: 'done'; usage: Usage; finishReason: FinishReason; trace?: GenerationTrace};

/** Options of InferenceEngine.score: a prompt and a completion to re-score in one forward pass. */
export interface ScoreRequest {
  /** The input, rendered exactly as generation renders it (chat template applied). */
  prompt?: string;
  messages?: ChatMessage[];
  /** The completion's token ids, as generated. */
  outputTokenIds: readonly number[];
  /** How many of the most likely tokens to list per position (their probabilities renormalised over the list, as top-K does); 0 = the whole vocabulary. Default: 40. */
  listSize?: number;
  signal?: AbortSignal;
}

/** One output position as the model scores it. */
export interface TokenScore {
  /** The token the completion has here. */
  token: number;
  /** Its rank among the listed tokens (0 = the model's top choice), or -1 when it is not in the list. */
  rank: number;
  /** The listed tokens and their probabilities (softmax over the list at temperature 1), most likely first. */
  list: [token: number, probability: number][];
}

/** What InferenceEngine.score returns. */
export interface TokenScores {
  /** The prompt's token ids, beginning token included: what a generation from it reads. */
  promptTokenIds: number[];
  /** One per output token. */
  positions: TokenScore[];
  /** The model's own text for the output tokens. */
  text: string;
  /** Each output token's own text (for the thought rule). */
  pieces?: string[];
  /**
   * The position after the last output token: the model's `listSize` most
   * likely next tokens (as positions' lists), so an answer that stopped can be
   * asked whether stopping was the model's choice. Absent for an empty output of an empty prompt.
   */
  end?: [token: number, probability: number][];
  /** The text of each token of `end`, in its order. */
  endPieces?: string[];
  /** The text of each listed token at the last (up to) 3 output positions, in their lists' order (stop strings that begin inside a token). */
  tailPieces?: string[][];
  /** Tokens that end generation (end of sequence and the model's other end-of-generation tokens). */
  endTokens?: number[];
  /** Texts that end generation besides those: the chat template's stop texts (the request's own `stop` is the caller's). */
  stopTexts?: string[];
  /** For a model that thinks: whether the prompt opened the thought, and how the engine closes one (docs/protocol.md §4.2). */
  thinking?: {promptOpened: boolean; closing: {tokenIds: number[]; tagTokens: number}};
}

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
  /** 'embeddings' for an engine that embeds and does not generate (embedder.ts); absent for a generating one. */
  kind?: 'embeddings';
  /** Values per embedding vector, for an embedding engine. */
  dimensions?: number;
}

/** Texts to embed, tokenised once (InferenceEngine.prepareEmbedding): the exact count the answer is billed for. */
export interface PreparedEmbedding {
  /** Tokens of all inputs, beginning and end tokens included. */
  readonly promptTokens: number;
  /** Each input's token ids, in order: what the receipt's prompt hash covers (all of them, concatenated). */
  readonly tokenIds: readonly (readonly number[])[];
  /** Engine-private. */
  readonly handle: unknown;
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
  /**
   * Re-score a completion by prefill: one forward pass over prompt and output
   * on a borrowed context sequence (it waits for a free one like a generation,
   * BUSY past the queue). Optional: only engines with a real model have it.
   */
  score?(request: ScoreRequest): Promise<TokenScores>;
  /** Tokenise texts to embed (embedding engines only); INVALID_INPUT for one longer than the context. */
  prepareEmbedding?(input: readonly string[]): Promise<PreparedEmbedding>;
  /** Embed prepared texts: one unit-length vector of `model.dimensions` floats each, in order (embedding engines only). */
  embed?(prepared: PreparedEmbedding, signal?: AbortSignal): Promise<Float32Array[]>;
  /** Free the model and its contexts. */
  dispose(): Promise<void>;
}
