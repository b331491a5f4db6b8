import {Flags} from '@oclif/core';
import {CocoonError} from '../errors.js';
import {formatPricePerMillion, formatTon, parsePricePerMillion, parseTon} from '../chain/units.js';
import type {OfferInput} from '../provider/registration.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import {RECORD_KIND, servedKind} from '../chain/contracts/registry-extension.js';
import {canPrompt} from './prompts.js';

/** Flags that describe an offer (register and update share them). */
export const offerFlags = {
  model: Flags.string({char: 'm', description: 'Model to serve: a .gguf path or a name from `cocoon models list`'}),
  'model-name': Flags.string({description: 'Name consumers ask for [default: the file name without .gguf]'}),
  arch: Flags.string({description: 'Model architecture: llama, qwen, deepseek … [default: from the GGUF header]'}),
  'avg-queries': Flags.integer({description: 'Average queries a day the node can take [default: from `gpu bench`, else 1000]', min: 1}),
  stake: Flags.string({description: 'Stake in GRAM [default: the registry minimum]'}),
  kind: Flags.string({options: ['chat', 'embeddings'], description: 'What the node serves: chat (chat and completions) or embeddings (vectors of an embedding model, priced per input token with --price-prompt) [default: chat; update: unchanged]'}),
  'price-prompt': Flags.string({description: 'Price in GRAM per 1M prompt tokens (an embeddings node: per 1M input tokens) [default: 0.05]'}),
  'price-completion': Flags.string({description: 'Price in GRAM per 1M completion tokens [default: 0.2]'}),
  endpoint: Flags.string({description: 'URL consumers reach the node at [default: http://127.0.0.1:PORT]'}),
  port: Flags.integer({description: 'Port the node listens on [default: 8740]', min: 0, max: 65_535}),
  host: Flags.string({description: 'Address the node listens on [default: 127.0.0.1]'}),
  relay: Flags.string({description: 'Serve behind NAT through this libp2p relay instead of an HTTP endpoint: its multiaddr from `cocoon relay start`, or auto: up to 3 relays listed on chain (`cocoon relay list`) that answer (repeatable, several for redundancy; the endpoint becomes libp2p://<peer id>) [default: none]', multiple: true}),
};

/** Parsed offer flags. */
export type OfferFlagValues = {[K in keyof typeof offerFlags]?: K extends 'avg-queries' | 'port' ? number : K extends 'relay' ? string[] : string};

/** The kind an offer publishes: the flag, else what the record had, else chat. */
function offerKind(flag: string | undefined, previous: ProviderRecord | undefined): 'chat' | 'embeddings' {
  if (flag === 'chat' || flag === 'embeddings') return flag;
  if (flag !== undefined) throw new CocoonError('USAGE', `--kind ${flag} is not a kind a node serves.`, {hint: 'Use --kind chat or --kind embeddings.'});
  return servedKind(previous?.extension) === 'embeddings' ? 'embeddings' : 'chat';
}

/** A resolved offer plus where to listen and what to stake. */
export interface ResolvedOffer {
  offer: OfferInput;
  modelPath: string;
  stake: bigint;
  host: string;
  port: number;
  /** Relays to publish (the endpoint is then made from the node key: app/provide.ts). */
  relays?: string[];
}

/** Suggested volume from a cached benchmark: half the measured generation throughput, 256-token answers. */
async function suggestQueries(sha256: string): Promise<{value: number; basis: string}> {
  const {listBenchmarks} = await import('../inference/bench.js');
  const bench = (await listBenchmarks()).find((b) => b.model.sha256 === sha256);
  if (!bench) return {value: 1000, basis: 'no benchmark yet (run `cocoon gpu bench --model …` for a measured figure)'};
  const tps = bench.parallel.generationTokensPerSecond || bench.single.generationTokensPerSecond;
  return {value: Math.max(1, Math.floor((tps * 86_400 * 0.5) / 256)), basis: `${tps.toFixed(0)} tokens/s measured on ${bench.device.name}`};
}

/**
 * Resolve an offer from flags, falling back to `previous` (update), then to a
 * wizard on a terminal, then to defaults. The model file is always inspected
 * (header and SHA-256).
 */
export async function resolveOffer(flags: OfferFlagValues, options: {interactive: boolean; minStake: bigint; previous?: ProviderRecord; previousModelPath?: string}): Promise<ResolvedOffer> {
  const ask = options.interactive && canPrompt();
  const prompts = ask ? await import('@inquirer/prompts') : undefined;
  let modelRef = flags.model ?? options.previousModelPath;
  if (!modelRef && prompts) modelRef = await prompts.input({message: 'Model to serve (.gguf path or name):'});
  if (!modelRef) throw new CocoonError('USAGE', 'No model given.', {hint: 'Pass --model PATH (a .gguf file).'});
  const {inspectModel} = await import('../inference/models.js');
  const details = await inspectModel(modelRef);
  const suggestion = await suggestQueries(details.sha256);
  const prev = options.previous;
  const pick = async (flag: string | undefined, fallback: string, message: string): Promise<string> =>
    flag ?? (prompts ? prompts.input({message, default: fallback}) : fallback);
  const fileName = details.path.split('/').pop()!.replace(/\.gguf$/i, '');
  const name = await pick(flags['model-name'], flags.model ? fileName : (prev?.model ?? fileName), 'Model name consumers ask for:');
  const architecture = await pick(flags.arch, prev?.architecture ?? details.architecture, 'Architecture:');
  const queries = Number(await pick(flags['avg-queries']?.toString(), String(prev?.queriesPerDay ?? suggestion.value), `Queries a day you can take (${suggestion.basis}):`));
  const kind = offerKind(flags.kind, prev);
  const embeds = kind === 'embeddings';
  if (embeds && flags['price-completion'] !== undefined) {
    throw new CocoonError('USAGE', 'An embeddings node generates nothing: it has no completion price.', {hint: 'Price its input tokens with --price-prompt.'});
  }
  const pricePrompt = parsePricePerMillion(await pick(flags['price-prompt'], prev ? formatPricePerMillion(prev.promptPrice) : '0.05', `Price, GRAM per 1M ${embeds ? 'input' : 'prompt'} tokens:`));
  const priceCompletion = embeds ? 0n : parsePricePerMillion(await pick(flags['price-completion'], prev ? formatPricePerMillion(prev.completionPrice) : '0.2', 'Price, GRAM per 1M completion tokens:'));
  const port = flags.port ?? 8740;
  const relays = flags.relay?.length ? flags.relay : undefined;
  if (relays && flags.endpoint) throw new CocoonError('USAGE', '--endpoint and --relay name two ways to reach the node.', {hint: 'Use --relay for a node behind NAT (its endpoint becomes libp2p://<peer id>), or --endpoint for a public URL.'});
  // With relays the endpoint is made from the node key later; an update without flags keeps a libp2p node's fields.
  const endpoint = relays ? 'libp2p://' : await pick(flags.endpoint, prev?.endpoint ?? `http://127.0.0.1:${port}`, 'Endpoint consumers reach the node at:');
  const keepP2p = !relays && !flags.endpoint && prev?.endpoint.startsWith('libp2p://') && prev.extension ? prev.extension : {};
  const extension = {...keepP2p, kind: embeds ? RECORD_KIND.embeddings : undefined};
  const stake = parseTon(await pick(flags.stake, formatTon(options.minStake), `Stake in GRAM (minimum ${formatTon(options.minStake)}):`));
  if (!Number.isInteger(queries) || queries < 1) throw new CocoonError('INVALID_INPUT', `"${queries}" is not a number of queries a day.`);
  return {
    offer: {model: name, architecture, modelSha256: details.sha256, contextSize: details.contextLength, queriesPerDay: queries, promptPrice: pricePrompt, completionPrice: priceCompletion, endpoint, ...(Object.values(extension).some((v) => v !== undefined) ? {extension} : {})},
    modelPath: details.path,
    stake,
    host: flags.host ?? '127.0.0.1',
    port,
    ...(relays ? {relays} : {}),
  };
}
