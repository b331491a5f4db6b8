import {formatTon, parsePricePerMillion} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {describeStanding} from '../consumer/audit-standing.js';
import {embed, type EmbedResult} from '../consumer/embed.js';
import {withSharedP2pDialer} from '../consumer/p2p-transport.js';
import {CocoonError} from '../errors.js';
import {auditPolicy, networkFunding, paidView, parseFilter, type AskRequest} from './ask.js';
import type {AppContext} from './context.js';

/** Texts to embed, as the CLI or an SDK user puts them. */
export type EmbedRequest = Pick<AskRequest, 'filter' | 'deposit' | 'funding' | 'confirm' | 'onNote' | 'signal'> & {
  /** The texts, 1 to 2048. */
  input: string[];
  /** Highest price, GRAM per 1M input tokens. */
  maxPromptPrice?: string;
};

/** What `embed --json` prints. */
export interface EmbedView {
  model: string;
  dimensions: number;
  vectors: number[][];
  usage: {promptTokens: number};
  /** Paid queries it took (texts that do not fit one request body go in several). */
  queries: number;
  cost: string;
  costNano: string;
  provider: {address: string; model: string; architecture: string; endpoint: string};
  channel: {address: string; spent: string};
  receipt: EmbedResult['receipt'];
  voucherPosted: boolean;
  trust: EmbedResult['trust'];
  audit: EmbedResult['provider']['audit'];
}

/** Embed texts on the network, paid from the channel to an embedding node of the model. */
export async function embedNetwork(app: AppContext, request: EmbedRequest): Promise<EmbedResult> {
  if (!request.filter?.model) {
    throw new CocoonError('USAGE', 'No model given: vectors of different models cannot be compared, so name one.', {hint: 'Pass --model NAME (`cocoon providers list` shows the embedding models).'});
  }
  const funding = await networkFunding(app, request, 'or embed fewer texts at once');
  return withSharedP2pDialer(async () =>
    embed({
      ...(await app.chainAccess()),
      store: app.channels,
      input: request.input,
      filter: {...parseFilter(request.filter, auditPolicy(app)), ...(request.maxPromptPrice ? {maxPromptPrice: parsePricePerMillion(request.maxPromptPrice)} : {})},
      funding,
      onFallback: (p, error) => request.onNote?.(`provider ${formatAddress(p.owner, app.network)} failed (${error.message}); trying the next one`),
      signal: request.signal,
    }),
  );
}

/** The embedding as `embed` shows it: a summary line and the `--json` view. */
export function embedView(result: EmbedResult, network: AppContext['network']): {summary: string; json: EmbedView} {
  const dimensions = result.vectors[0]?.length ?? 0;
  const summary =
    `— ${result.vectors.length} vector${result.vectors.length === 1 ? '' : 's'} of ${dimensions} from ${result.provider.model} by ${formatAddress(result.provider.address, network)}: ` +
    `${formatTon(result.cost)} GRAM (${result.usage.promptTokens} input tokens); audit: ${describeStanding(result.provider.audit)}`;
  return {
    summary,
    json: {
      model: result.provider.model,
      dimensions,
      vectors: result.vectors.map((v) => Array.from(v)),
      usage: {promptTokens: result.usage.promptTokens},
      queries: result.queries,
      ...paidView(result, network),
    },
  };
}
