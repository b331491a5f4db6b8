/**
 * Paid embeddings (docs/protocol.md §4.3): texts to an embedding node of the
 * model, one unit-length vector back per text, every input token billed at
 * the node's prompt price. The same discovery, channels, failover and
 * payment as ask(); only the request and the answer differ.
 */
import {CocoonError} from '../errors.js';
import {MAX_EMBED_INPUTS} from '../protocol/wire.js';
import {ask, type AskOptions, type AskResult} from './ask.js';
import {discoverProviders, type DiscoveredProvider} from './discovery.js';

/** Options of embed: ask's, with texts instead of a prompt. */
export type EmbedOptions = Omit<AskOptions, 'prompt' | 'messages' | 'input' | 'maxTokens' | 'temperature' | 'params' | 'onText' | 'stop'> & {
  /** The texts to embed, 1 to 2048, none empty. */
  input: string[];
};

/** A paid, verified embedding. */
export type EmbedResult = Omit<AskResult, 'text' | 'vectors' | 'tokenIds' | 'finishReason' | 'reasoningTokens'> & {
  /** One vector per input, in order. */
  vectors: Float32Array[];
  /** Paid queries it took: more than one when the texts did not fit one request body of the node. `receipt` is the last one's; usage and cost are the sum. */
  queries: number;
};

// What a request body holds besides the texts: the sealed header and tag, and the plaintext's other fields (a voucher riding with its covers).
const BODY_ALLOWANCE = 2048;

/**
 * Texts in runs whose request bodies fit `limit` bytes (each text as its JSON
 * string plus a comma), in order. INVALID_INPUT for a text that fits no body.
 */
export function batchTexts(input: readonly string[], limit: number): string[][] {
  const room = limit - BODY_ALLOWANCE;
  const batches: string[][] = [];
  let current: string[] = [];
  let size = 0;
  input.forEach((text, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(text), 'utf8') + 1;
    if (bytes > room) {
      throw new CocoonError('INVALID_INPUT', `Input ${i} is ${bytes} bytes as JSON; the embedding nodes take requests of at most ${limit} bytes.`, {hint: 'Split the text into shorter pieces.', details: {index: i, bytes, limit}});
    }
    if (size + bytes > room && current.length > 0) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(text);
    size += bytes;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Embed texts on the network: INVALID_INPUT before any money moves for an
 * empty list, an empty text or too many texts. Texts that do not fit one
 * request body of the matching nodes go in several paid queries, one after
 * another, all to the node that answered the first.
 */
export async function embed(options: EmbedOptions): Promise<EmbedResult> {
  const {input} = options;
  if (input.length === 0 || input.length > MAX_EMBED_INPUTS) {
    throw new CocoonError('INVALID_INPUT', `Embed 1 to ${MAX_EMBED_INPUTS} texts at once, not ${input.length}.`, {hint: input.length === 0 ? 'Give at least one text.' : 'Split the list into batches.'});
  }
  const empty = input.findIndex((t) => t.length === 0);
  if (empty >= 0) throw new CocoonError('INVALID_INPUT', `Input ${empty} is empty: there is nothing to embed.`, {hint: 'Leave empty texts out.'});
  const filter = {...options.filter, kind: 'embeddings' as const};
  const run = async (texts: string[], candidates?: DiscoveredProvider[]) => {
    const {text: _text, tokenIds: _ids, finishReason: _finish, reasoningTokens: _thoughts, vectors, ...rest} = await ask({...options, input: texts, maxTokens: 0, filter, ...(candidates ? {candidates} : {})});
    return {...rest, vectors: vectors!, queries: 1};
  };
  const found = options.candidates ?? (await discoverProviders({client: options.client, registry: options.registry, filter, cacheMs: options.registryCacheMs ?? 300_000, liveCacheMs: options.liveCacheMs ?? 60_000}));
  const limits = found.flatMap((p) => (p.live ? [p.live.info.limits.maxBodyBytes] : []));
  const batches = limits.length > 0 ? batchTexts(input, Math.min(...limits)) : [input];
  // One body: ask() as usual (its own discovery, and a fresh one when the cached registry turns out stale).
  if (batches.length === 1) return run(input, options.candidates);
  let whole: EmbedResult | undefined;
  for (const texts of batches) {
    // Every batch from the node that embedded the first: vectors of one model file compare with each other.
    const part = await run(texts, whole ? found.filter((p) => p.record.nodeKey.equals(whole!.provider.nodeKey)) : found);
    whole = whole
      ? {...part, vectors: [...whole.vectors, ...part.vectors], usage: {promptTokens: whole.usage.promptTokens + part.usage.promptTokens, completionTokens: 0}, cost: whole.cost + part.cost, queries: whole.queries + 1}
      : part;
  }
  return whole!;
}
