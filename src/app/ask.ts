import {parseAddress, parsePricePerMillion, parseTon, formatTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {ask, type AskResult} from '../consumer/ask.js';
import {withSharedP2pDialer} from '../consumer/p2p-transport.js';
import {describeStanding, type AuditStanding} from '../consumer/audit-standing.js';
import type {ProviderFilter} from '../consumer/discovery.js';
import type {FundingEvent, FundingMode, LowBalance} from '../consumer/funding.js';
import {CocoonError} from '../errors.js';
import type {ChatMessage} from '../protocol/messages.js';
import type {AppContext} from './context.js';

/** Provider filters as a user types them. */
export interface FilterInput {
  architecture?: string;
  model?: string;
  /** Highest completion price, GRAM per 1M tokens. */
  maxPrice?: string;
  /** Only this provider (wallet address). */
  provider?: string;
  /** Keep nodes that independent auditors flagged. Default: false. */
  includeFlagged?: boolean;
  /** Also use unaudited nodes when the `audit.requireAudited` setting is on. Default: false. */
  allowUnaudited?: boolean;
}

/** One question to the network, as the CLI or an SDK user puts it. */
export interface AskRequest {
  prompt: string;
  /** A whole chat (`cocoon chat`'s history): sent instead of prompt and system. Default: prompt (with system). */
  messages?: ChatMessage[];
  /** Makes it a chat query with this system message. */
  system?: string;
  maxTokens: number;
  /** Sampling temperature 0–2. Default: the provider's. */
  temperature?: number;
  /** Most thought tokens of a reasoning model (params.thinkBudget, docs/protocol.md §4.2); models that do not think ignore it. Default: no bound. */
  thinkBudget?: number;
  filter?: FilterInput;
  /** GRAM to deposit when a channel is opened or topped up. Default: setting channel.deposit. */
  deposit?: string;
  /** What to do when the channel is too low. Default: 'never'. */
  funding?: FundingMode;
  /** Asked in 'confirm' mode before a top-up. */
  confirm?: (question: string) => Promise<boolean>;
  /** Each piece of text as it arrives. */
  onText?: (text: string) => void;
  /** Progress worth telling the user (a channel being opened, a provider replaced). */
  onNote?: (message: string) => void;
  /** Drops the query at once. */
  signal?: AbortSignal;
  /** Stops the answer early, paying for what arrived (Ctrl-C in `ask`). */
  stop?: AbortSignal;
  /**
   * Append the answer, with its request, signed receipt and token ids, to this
   * JSON-lines file (mode 0600) so `cocoon audit run --answers FILE` can audit
   * it later. Opt-in: the file holds the prompt and answer in the clear.
   */
  keep?: string;
}

/** What `ask --json` prints. */
export interface AskView {
  text: string;
  usage: {promptTokens: number; completionTokens: number};
  /** How many of the completion tokens were the model's thought (the signed receipt's count). */
  reasoningTokens: number;
  finishReason: string;
  /** GRAM. */
  cost: string;
  costNano: string;
  provider: {address: string; model: string; architecture: string; endpoint: string};
  channel: {address: string; spent: string};
  receipt: {queryId: string; bytes: string; signature: string};
  voucherPosted: boolean;
  trust: string;
  /** The answering node's standing with independent auditors (docs/audit.md). */
  audit: AuditStanding;
}

/** Typed filters from what the user typed. */
export function parseFilter(input: FilterInput = {}, audit: {requireAudited?: boolean; quorum?: number} = {}): ProviderFilter {
  return {
    architecture: input.architecture,
    model: input.model,
    maxCompletionPrice: input.maxPrice ? parsePricePerMillion(input.maxPrice) : undefined,
    provider: input.provider ? parseAddress(input.provider) : undefined,
    ...(input.includeFlagged ? {includeFlagged: true} : {}),
    ...(audit.requireAudited && !input.allowUnaudited ? {requireAudited: true} : {}),
    ...(audit.quorum ? {auditQuorum: audit.quorum} : {}),
  };
}

/** The context's audit policy (settings audit.requireAudited and audit.quorum), for parseFilter. */
export function auditPolicy(app: AppContext): {requireAudited: boolean; quorum: number} {
  return {requireAudited: Boolean(app.settings.get('audit.requireAudited')), quorum: Number(app.settings.get('audit.quorum'))};
}

/** Progress lines for money the funding policy moved. */
export function fundingNote(event: FundingEvent, network: AppContext['network']): string {
  const provider = formatAddress(parseAddress(event.provider), network);
  return event.type === 'channel-opened' ? `opened a channel to ${provider} with ${formatTon(event.amount)} GRAM` : `topped up the channel to ${provider} with ${formatTon(event.amount)} GRAM`;
}

/** How a consumer command pays: channels opened and topped up by the setting or flag, asking first in 'confirm' mode. */
export async function networkFunding(app: AppContext, request: Pick<AskRequest, 'deposit' | 'funding' | 'confirm' | 'onNote'>, lastResort: string) {
  const network = app.network;
  const deposit = parseTon(request.deposit ?? app.settings.get('channel.deposit'));
  const question = (low: LowBalance) =>
    `The channel has ${formatTon(low.remaining)} GRAM left; this query may cost up to ${formatTon(low.needed)} GRAM. Top up ${formatTon(low.amount)} GRAM?`;
  return app.funding({
    mode: request.funding ?? 'never',
    deposit,
    confirm: request.confirm && ((low) => request.confirm!(question(low))),
    refusalHint: (low) =>
      `Top it up with \`cocoon channel topup ${formatAddress(parseAddress(low.record.provider), network)} ${formatTon(low.amount)}\`, pass --yes to top up automatically, ${lastResort}.`,
    onOpening: (provider, amount) => request.onNote?.(`opening a channel to ${formatAddress(provider, network)} with ${formatTon(amount)} GRAM`),
  });
}

/** One paid, end-to-end encrypted question through the context's chain, channels and wallet. */
export async function askNetwork(app: AppContext, request: AskRequest): Promise<AskResult> {
  if (!request.prompt.trim()) throw new CocoonError('USAGE', 'No prompt given.', {hint: 'Pass it as an argument, or pipe it in with `-`.'});
  if (request.temperature !== undefined && !(request.temperature >= 0 && request.temperature <= 2)) throw new CocoonError('INVALID_INPUT', '--temperature must be between 0 and 2.');
  if (request.thinkBudget !== undefined && !(Number.isInteger(request.thinkBudget) && request.thinkBudget >= 0 && request.thinkBudget <= 1 << 20)) {
    throw new CocoonError('INVALID_INPUT', `--think-budget must be a whole number of tokens from 0 to ${1 << 20}, got ${request.thinkBudget}.`);
  }
  const network = app.network;
  const filter = parseFilter(request.filter, auditPolicy(app));
  const funding = await networkFunding(app, request, 'or lower --max-tokens');
  // A libp2p provider's connection is made on demand; it must not keep a one-shot process alive afterwards.
  const result = await withSharedP2pDialer(async () => ask({
    ...(await app.chainAccess()),
    store: app.channels,
    prompt: request.messages || request.system ? undefined : request.prompt,
    messages: request.messages ?? (request.system ? [{role: 'system', content: request.system}, {role: 'user', content: request.prompt}] : undefined),
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    ...(request.thinkBudget === undefined ? {} : {params: {thinkBudget: request.thinkBudget}}),
    filter,
    funding,
    onText: request.onText,
    onFallback: (p, error) => request.onNote?.(`provider ${formatAddress(p.owner, network)} failed (${error.message}); trying the next one`),
    signal: request.signal,
    stop: request.stop,
  }));
  // A stopped answer ended where the consumer stopped it, not where the model did: re-scoring would ask the model why it stopped.
  if (request.keep && result.finishReason !== 'abort') await keepAnswer(request.keep, request, result);
  return result;
}

/** Append one answer to a kept-answers file, exactly as it was asked (its receipt hashes that request). */
async function keepAnswer(file: string, request: AskRequest, result: AskResult): Promise<void> {
  const [{keptAnswer}, fs] = await Promise.all([import('../audit/kept.js'), import('node:fs/promises')]);
  const line = keptAnswer(
    {
      model: result.provider.model,
      ...(request.system ? {messages: [{role: 'system' as const, content: request.system}, {role: 'user' as const, content: request.prompt}]} : {prompt: request.prompt}),
      params: {
        ...(request.temperature === undefined ? {} : {temperature: request.temperature}),
        ...(request.thinkBudget === undefined ? {} : {thinkBudget: request.thinkBudget}),
      },
      maxTokens: request.maxTokens,
    },
    result,
  );
  await fs.appendFile(file, JSON.stringify(line) + '\n', {mode: 0o600});
}

/** The answer as `ask` shows it: a summary line and the `--json` view. */
export function askView(result: AskResult, network: AppContext['network']): {summary: string; json: AskView} {
  const trust = result.trust === 'attested' ? 'attested enclave' : "provider's process sees the plaintext (no enclave)";
  const stopped = result.finishReason === 'abort' ? 'stopped early; ' : '';
  const summary =
    `— ${stopped}${result.provider.model} by ${formatAddress(result.provider.address, network)}: ${formatTon(result.cost)} GRAM ` +
    `(${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion tokens${result.reasoningTokens ? `, ${result.reasoningTokens} of them thought` : ''}); trust: ${trust}; audit: ${describeStanding(result.provider.audit)}`;
  return {
    summary,
    json: {
      text: result.text,
      usage: result.usage,
      reasoningTokens: result.reasoningTokens,
      finishReason: result.finishReason,
      ...paidView(result, network),
    },
  };
}

/** What every paid answer's `--json` view shows: its cost, who answered, the channel, the receipt and the standing. */
export function paidView(result: Pick<AskResult, 'cost' | 'total' | 'provider' | 'channel' | 'receipt' | 'voucherPosted' | 'trust'>, network: AppContext['network']) {
  return {
    cost: formatTon(result.cost),
    costNano: result.cost.toString(),
    provider: {address: formatAddress(result.provider.address, network), model: result.provider.model, architecture: result.provider.architecture, endpoint: result.provider.endpoint},
    channel: {address: formatAddress(result.channel, network, {bounceable: true}), spent: formatTon(result.total)},
    receipt: result.receipt,
    voucherPosted: result.voucherPosted,
    trust: result.trust,
    audit: result.provider.audit,
  };
}
