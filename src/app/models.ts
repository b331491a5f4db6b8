import {inspectModel, listModels, modelsDir, pullModel, removeModel, type LocalModel, type ModelDetails, type PullProgress, type PullResult, type RemoveResult} from '../inference/models.js';

export type {LocalModel, ModelDetails, PullResult, RemoveResult} from '../inference/models.js';

/** What `models list --json` prints. */
export interface ModelListView {
  dir: string;
  models: LocalModel[];
}

/** A download (or a copy of a local .gguf) into the store. */
export interface PullRequest {
  /** hf:<user>/<repo>[:<quant>], hf:<user>/<repo>/<file>.gguf, an https URL or a local path. */
  uri: string;
  signal?: AbortSignal;
  onProgress?: (progress: PullProgress) => void;
}

/** The GGUF models in the local store (and unfinished downloads), with the store's folder. */
export async function localModels(): Promise<ModelListView> {
  return {dir: modelsDir(), models: await listModels()};
}

/** A model's GGUF header facts and SHA-256, by path or store name. */
export function modelDetails(request: {model: string}): Promise<ModelDetails> {
  return inspectModel(request.model);
}

/** Download a model into the store (resumable), or copy a local .gguf there. */
export function pullIntoStore(request: PullRequest): Promise<PullResult> {
  return pullModel(request.uri, {signal: request.signal, onProgress: request.onProgress});
}

/** Delete a model (and its unfinished download) from the store. */
export function removeFromStore(request: {model: string}): Promise<RemoveResult> {
  return removeModel(request.model);
}
