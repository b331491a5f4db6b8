/**
 * Reads and checks a GGUF file's header: architecture, parameters,
 * quantization, context length. Never loads the weights.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {CocoonError} from '../errors.js';
import {importLlamaCpp, loadLlama, type Llama} from './llama.js';

/** What the GGUF header says about a model file. */
export interface GgufModelInfo {
  /** Absolute path of the file. */
  path: string;
  /** Model name: `general.name`, else the file name without `.gguf`. */
  name: string;
  /** File size in bytes. */
  sizeBytes: number;
  /** GGUF format version. */
  ggufVersion: number;
  /** Architecture, e.g. llama, qwen2. */
  architecture: string;
  /** Total parameters, counted from the tensor shapes. */
  parameters: number;
  /** Quantization, e.g. Q4_K_M, Q8_0, F16, F32. */
  quantization: string;
  /** Context length the model was trained with. */
  contextLength: number;
  /** Transformer blocks. */
  layers: number;
  /** Vocabulary size. */
  vocabularySize: number;
  /** Tokenizer model, e.g. llama (SentencePiece), gpt2 (BPE). */
  tokenizer: string;
  /** True when the file carries a chat template (`tokenizer.chat_template`). */
  hasChatTemplate: boolean;
  /** Bytes of tensor data (what must fit in VRAM/RAM to load all layers). */
  weightsBytes: number;
}

function modelError(file: string, message: string, hint: string, cause?: unknown): CocoonError {
  return new CocoonError('MODEL_ERROR', message, {hint, details: {path: file}, cause});
}

/** Options for readGgufModelInfo. */
export interface ReadGgufOptions {
  /** A loaded Llama to size tensors with. Default: the shared CPU instance (loaded once, ~0.7 s; keeps llama.cpp's log quiet). */
  llama?: Llama;
}

/**
 * Cheap first check of a model file (exists, is a file, starts with the GGUF
 * magic) without loading node-llama-cpp. Returns the absolute path and size.
 */
export async function checkGgufFile(modelPath: string): Promise<{path: string; sizeBytes: number}> {
  const file = path.resolve(modelPath);
  let size: number;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw modelError(file, `Model path is not a file: ${file}`, 'Pass the path of a .gguf file.');
    size = stat.size;
  } catch (error) {
    if (error instanceof CocoonError) throw error;
    throw modelError(file, `Model file not found: ${file}`, 'Check the path, or run `cocoon models list` to see local models.', error);
  }
  const magic = Buffer.alloc(4);
  const handle = await fs.open(file, 'r');
  try {
    await handle.read(magic, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (magic.toString('latin1') !== 'GGUF') {
    throw modelError(file, `Not a GGUF file: ${file}`, 'Cocoon serves llama.cpp GGUF models; convert or download a .gguf file.');
  }
  return {path: file, sizeBytes: size};
}

/**
 * Read a GGUF file's header and check that the file is complete.
 * Throws CocoonError('MODEL_ERROR') for a missing, non-GGUF or truncated file.
 */
export async function readGgufModelInfo(modelPath: string, options: ReadGgufOptions = {}): Promise<GgufModelInfo> {
  const {path: file, sizeBytes: size} = await checkGgufFile(modelPath);
  const {readGgufFileInfo, GgufInsights, GgufFileType, GgmlType} = await importLlamaCpp();
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  let insights: Awaited<ReturnType<typeof GgufInsights.from>>;
  try {
    info = await readGgufFileInfo(file, {sourceType: 'filesystem', logWarnings: false, spliceSplitFiles: false});
    insights = await GgufInsights.from(info, options.llama ?? (await loadLlama(false)));
    void insights.totalParameters; // computed from the tensor list: throws on a mangled one
  } catch (error) {
    throw modelError(
      file,
      `Corrupt or truncated GGUF header in ${file}: ${(error as Error).message}`,
      'Download the model again (`cocoon models pull`), or check the file.',
      error,
    );
  }
  const weightsBytes = insights.modelSize;
  const needed = (info.infoEndOffset ?? 0) + weightsBytes;
  if (size < needed) {
    throw modelError(
      file,
      `Truncated GGUF file ${file}: ${size} bytes, the header describes at least ${needed}`,
      'The download or copy was cut short; download the model again.',
    );
  }
  const meta = info.metadata as unknown as {
    general?: {name?: string; architecture?: string; file_type?: number};
    tokenizer?: {chat_template?: string; ggml?: {model?: string; tokens?: unknown[]}};
  };
  const arch = info.architectureMetadata as {context_length?: number; block_count?: number};
  const fileType = meta.general?.file_type;
  const quantization =
    fileType !== undefined && GgufFileType[fileType]
      ? GgufFileType[fileType].replace(/^(MOSTLY|ALL)_/, '')
      : insights.dominantTensorType !== undefined
        ? GgmlType[insights.dominantTensorType]
        : 'unknown';
  return {
    path: file,
    name: meta.general?.name || path.basename(file).replace(/\.gguf$/i, ''),
    sizeBytes: size,
    ggufVersion: info.version,
    architecture: meta.general?.architecture ?? 'unknown',
    parameters: insights.totalParameters,
    quantization,
    contextLength: arch.context_length ?? insights.trainContextSize ?? 0,
    layers: arch.block_count ?? insights.totalLayers,
    vocabularySize: meta.tokenizer?.ggml?.tokens?.length ?? 0,
    tokenizer: meta.tokenizer?.ggml?.model ?? 'unknown',
    hasChatTemplate: Boolean(meta.tokenizer?.chat_template),
    weightsBytes,
  };
}
