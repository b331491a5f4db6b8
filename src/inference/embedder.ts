/**
 * An embedding engine: a GGUF model in node-llama-cpp's embedding context,
 * for a node whose registry record has kind 1 (docs/protocol.md §4.2). It is
 * an InferenceEngine that embeds and refuses to generate, so the provider
 * serves it with the same node, admission and payment code.
 */
import type {LlamaEmbeddingContext, LlamaModel, Token} from 'node-llama-cpp';
import {CocoonError} from '../errors.js';
import {checkGgufFile, readGgufModelInfo} from './gguf.js';
import {modelSha256} from './hash.js';
import {errorMark, importLlamaCpp, llamaErrorsSince, loadLlama, type GpuOption} from './llama.js';
import {SlotPool} from './pool.js';
import {defaultThreads} from './threads.js';
import type {EngineEvent, EngineLoad, EngineModelInfo, InferenceEngine, PreparedEmbedding} from './types.js';

/** Options for createEmbedder. */
export interface EmbedderOptions {
  /** Path of the .gguf model file. Required. */
  modelPath: string;
  /** GPU backend: 'auto' (best available, CPU if none), a forced one, or false for CPU only. Default: 'auto'. */
  gpu?: GpuOption;
  /** CPU threads. Default: as for generation (threads.ts). */
  threads?: number;
  /** Longest input in tokens (beginning and end tokens included). Default: the model's training context, at most 4096. */
  contextSize?: number;
  /** Requests allowed to wait while one embeds before BUSY. Default: 8. */
  maxQueue?: number;
  /** Layers to offload to the GPU. Default: 'auto'; 0 when gpu is false. */
  gpuLayers?: number | 'auto';
  /** Hash the model file for EngineModelInfo.sha256. Default: true. */
  hash?: boolean;
  /** Model name reported in EngineModelInfo. Default: the GGUF's general.name or the file name. */
  name?: string;
}

/** Scale to unit length (L2), as OpenAI's and llama-server's embeddings are; a zero vector stays zero. */
export function normalized(vector: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}

/** The node-llama-cpp embedding engine. Create it with createEmbedder. */
export class LlamaEmbedder implements InferenceEngine {
  private disposed = false;
  private readonly prepared = new WeakMap<object, number[][]>();

  /** @internal use createEmbedder */
  constructor(
    readonly model: EngineModelInfo & {kind: 'embeddings'; dimensions: number},
    readonly backend: string,
    private readonly llamaModel: LlamaModel,
    private readonly context: LlamaEmbeddingContext,
    private readonly pool: SlotPool<LlamaEmbeddingContext>,
    private readonly edges: {begin: Token | null; end: Token | null},
  ) {}

  /** An embedding node generates nothing. */
  generate(): AsyncIterable<EngineEvent> {
    throw new CocoonError('INVALID_INPUT', `This node serves embeddings of ${this.model.name}; it does not generate text.`, {
      hint: 'Send texts to embed (`input`), or use a chat/completions node of this model.',
    });
  }

  /** Tokens of `text` as one input is embedded: beginning and end tokens as the model wants them. */
  private tokensOf(text: string): number[] {
    const ids: number[] = [...this.llamaModel.tokenize(text)];
    if (this.edges.begin !== null && ids[0] !== this.edges.begin) ids.unshift(this.edges.begin);
    if (this.edges.end !== null && ids.at(-1) !== this.edges.end) ids.push(this.edges.end);
    return ids;
  }

  /**
   * Tokenise every input once, for the price and then for embedding: its
   * exact count. INVALID_INPUT names the first input that does not fit the context.
   */
  async prepareEmbedding(input: readonly string[]): Promise<PreparedEmbedding> {
    if (this.disposed) throw new CocoonError('MODEL_ERROR', 'The engine has been disposed.');
    const tokens = input.map((text) => this.tokensOf(text));
    const long = tokens.findIndex((t) => t.length >= this.model.contextSize);
    if (long >= 0) {
      throw new CocoonError('INVALID_INPUT', `Input ${long} is ${tokens[long]!.length} tokens; this model embeds at most ${this.model.contextSize - 1} per input.`, {
        hint: 'Split the text into shorter pieces.',
        details: {index: long, tokens: tokens[long]!.length, contextSize: this.model.contextSize},
      });
    }
    const handle = Object.freeze({});
    this.prepared.set(handle, tokens);
    return Object.freeze({promptTokens: tokens.reduce((n, t) => n + t.length, 0), tokenIds: tokens, handle});
  }

  /**
   * Embed prepared inputs, in order: one unit-length vector of
   * `model.dimensions` floats per input. BUSY past the queue; an abort before
   * the last input rejects with the signal's reason.
   */
  async embed(prepared: PreparedEmbedding, signal?: AbortSignal): Promise<Float32Array[]> {
    const tokens = this.prepared.get(prepared.handle as object);
    if (!tokens) throw new CocoonError('INVALID_INPUT', 'This PreparedEmbedding was not made by this engine.');
    const context = await this.pool.acquire(signal); // BUSY synchronously past the queue
    try {
      const out: Float32Array[] = [];
      for (const t of tokens) {
        signal?.throwIfAborted();
        const embedding = await context.getEmbeddingFor(t as Token[]);
        if (embedding.vector.length !== this.model.dimensions) {
          throw new CocoonError('MODEL_ERROR', `The model gave a vector of ${embedding.vector.length} values, not ${this.model.dimensions}.`);
        }
        out.push(normalized(embedding.vector));
      }
      return out;
    } finally {
      this.pool.release(context);
    }
  }

  load(): EngineLoad {
    return {active: this.pool.active, queued: this.pool.queued, parallel: this.pool.size, maxQueue: this.pool.maxQueue};
  }

  /** Tokens of one text as embedded (beginning and end tokens included). */
  async countTokens(text: string): Promise<number> {
    return this.tokensOf(text).length;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.close(new CocoonError('ABORTED', 'The engine was disposed.'));
    await this.context.dispose();
    await this.llamaModel.dispose();
  }
}

/** Load a GGUF model for embedding. MODEL_ERROR for a missing or unloadable file, or an encoder-decoder model. */
export async function createEmbedder(options: EmbedderOptions): Promise<LlamaEmbedder> {
  const gpu = options.gpu ?? 'auto';
  await checkGgufFile(options.modelPath);
  const llama = await loadLlama(gpu);
  const info = await readGgufModelInfo(options.modelPath, {llama});
  const threads = options.threads ?? (await defaultThreads(info.weightsBytes));
  const sha256 = options.hash === false ? '' : await modelSha256(info.path);
  const mark = errorMark();
  const fail = (what: string, error: unknown) =>
    new CocoonError('MODEL_ERROR', `Could not ${what} ${info.path} for embeddings: ${(error as Error).message}${llamaErrorsSince(mark).slice(-3).join('; ')}`, {
      hint: 'Check that the file is a complete GGUF model this llama.cpp supports (encoder-decoder models cannot embed).',
      details: {path: info.path},
      cause: error,
    });
  let model: LlamaModel;
  try {
    model = await llama.loadModel({modelPath: info.path, gpuLayers: gpu === false ? 0 : (options.gpuLayers ?? 'auto')});
  } catch (error) {
    throw fail('load', error);
  }
  const contextSize = options.contextSize ?? Math.min(info.contextLength || 4096, 4096);
  let context: LlamaEmbeddingContext;
  try {
    context = await model.createEmbeddingContext({contextSize, threads});
  } catch (error) {
    await model.dispose();
    throw fail('create an embedding context for', error);
  }
  const {LlamaVocabularyType} = await importLlamaCpp();
  // The edge tokens llama.cpp's embedding context adds (its tokenizerUtils rules), so the count is exact.
  const vocabulary = model.vocabularyType;
  const begin = vocabulary === LlamaVocabularyType.rwkv || vocabulary === LlamaVocabularyType.ugm ? null : vocabulary === LlamaVocabularyType.wpm || model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  const end = vocabulary === LlamaVocabularyType.rwkv ? null : vocabulary === LlamaVocabularyType.wpm ? model.tokens.sep : vocabulary === LlamaVocabularyType.ugm || model.tokens.shouldAppendEosToken ? model.tokens.eos : null;
  return new LlamaEmbedder(
    {name: options.name ?? info.name, architecture: info.architecture, sha256, contextSize, kind: 'embeddings', dimensions: model.embeddingVectorSize},
    llama.gpu === false ? 'cpu' : llama.gpu,
    model,
    context,
    new SlotPool([context], options.maxQueue ?? 8),
    {begin, end},
  );
}
