/**
 * Paid embeddings (docs/protocol.md §4.2): texts to an embedding node of the
 * model, one unit-length vector back per text, every input token billed at
 * the node's prompt price. The same discovery, channels, failover and
 * payment as ask(); only the request and the answer differ.
 */
import {CocoonError} from '../errors.js';
import {MAX_EMBED_INPUTS} from '../protocol/wire.js';
import {ask, type AskOptions, type AskResult} from './ask.js';

/** Options of embed: ask's, with texts instead of a prompt. */
export type EmbedOptions = Omit<AskOptions, 'prompt' | 'messages' | 'input' | 'maxTokens' | 'temperature' | 'params' | 'onText' | 'stop'> & {
  /** The texts to embed, 1 to 2048, none empty. */
  input: string[];
};

/** A paid, verified embedding. */
export type EmbedResult = Omit<AskResult, 'text' | 'vectors' | 'tokenIds' | 'finishReason'> & {
  /** One vector per input, in order. */
  vectors: Float32Array[];
};

/** Embed texts on the network: INVALID_INPUT before any money moves for an empty list, an empty text or too many texts. */
export async function embed(options: EmbedOptions): Promise<EmbedResult> {
  const {input} = options;
  if (input.length === 0 || input.length > MAX_EMBED_INPUTS) {
    throw new CocoonError('INVALID_INPUT', `Embed 1 to ${MAX_EMBED_INPUTS} texts at once, not ${input.length}.`, {hint: input.length === 0 ? 'Give at least one text.' : 'Split the list into batches.'});
  }
  const empty = input.findIndex((t) => t.length === 0);
  if (empty >= 0) throw new CocoonError('INVALID_INPUT', `Input ${empty} is empty: there is nothing to embed.`, {hint: 'Leave empty texts out.'});
  const result = await ask({...options, input, maxTokens: 0, filter: {...options.filter, kind: 'embeddings'}});
  const {text: _text, tokenIds: _ids, finishReason: _finish, vectors, ...rest} = result;
  return {...rest, vectors: vectors!};
}
