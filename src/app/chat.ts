/**
 * `cocoon chat`: a multi-turn conversation with a model on the network. The
 * session keeps the history (sent whole with every turn: providers keep no
 * state), the system message, the model, and what the conversation has cost;
 * each turn is one paid ask(). Slash commands are parsed here, so the
 * terminal loop (src/cli/chat.ts) only reads lines and renders.
 */
import {formatTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import type {AskResult} from '../consumer/ask.js';
import {isCocoonError} from '../errors.js';
import type {FundingMode} from '../consumer/funding.js';
import type {ChatMessage} from '../protocol/messages.js';
import {splitReasoning} from '../gateway/reasoning.js';
import {askNetwork, type FilterInput} from './ask.js';
import type {AppContext} from './context.js';

/** Options of a chat session. */
export interface ChatOptions {
  /** System message. Default: none. */
  system?: string;
  /** Provider filters; `model` also changes with /model. Default: any model (the first answer's model is kept). */
  filter?: FilterInput;
  /** Most completion tokens per answer. Default: 512. */
  maxTokens?: number;
  /** Sampling temperature 0–2. Default: the provider's. */
  temperature?: number;
  /** Reasoning models: most thought tokens per answer (params.thinkBudget; /think changes it). Default: no bound. */
  thinkBudget?: number;
  /** GRAM per channel deposit. Default: setting channel.deposit. */
  deposit?: string;
  /** Top-ups: never, confirm (asks `confirm`) or always. Default: never. */
  funding?: FundingMode;
  /** Asked before a top-up in confirm mode. */
  confirm?: (question: string) => Promise<boolean>;
  /** Progress worth telling (a channel opened, a provider replaced). */
  onNote?: (message: string) => void;
}

/** One line typed into the chat. */
export type ChatInput =
  | {kind: 'message'; text: string}
  | {kind: 'command'; name: 'system' | 'model' | 'think' | 'cost' | 'clear' | 'help' | 'exit'; arg: string}
  | {kind: 'unknown'; name: string}
  | {kind: 'empty'};

const COMMANDS: Record<string, Extract<ChatInput, {kind: 'command'}>['name']> = {
  system: 'system', model: 'model', think: 'think', cost: 'cost', clear: 'clear', help: 'help', '?': 'help', exit: 'exit', quit: 'exit', bye: 'exit',
};

/** The chat's commands and what they do, for /help. */
export const CHAT_HELP = [
  ['/system [text]', 'set the system message (empty: remove it); clears the history'],
  ['/model [name]', 'show or change the model (later turns go to its providers)'],
  ['/think [N|off]', "reasoning models: show or set the most thought tokens per answer (off: no bound)"],
  ['/cost', 'what this chat has cost so far'],
  ['/clear', 'forget the conversation (the system message stays)'],
  ['/help', 'this list'],
  ['/exit', 'leave (also /bye, Ctrl-D, or Ctrl-C twice at the prompt)'],
] as const;

/** Parse one input line: a slash command, a message, or nothing. `//text` sends `/text`. */
export function parseChatInput(line: string): ChatInput {
  const text = line.replace(/\r?\n$/, '');
  if (!text.trim()) return {kind: 'empty'};
  if (text.startsWith('//')) return {kind: 'message', text: text.slice(1)};
  if (!text.startsWith('/')) return {kind: 'message', text};
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text.trim())!;
  const name = COMMANDS[match[1]!.toLowerCase()];
  return name ? {kind: 'command', name, arg: match[2]!.trim()} : {kind: 'unknown', name: match[1]!};
}

/** One answered turn. */
export interface ChatTurn {
  user: string;
  /** The answer, without a reasoning model's thoughts. */
  assistant: string;
  /** A reasoning model's thoughts (`<think>…</think>`), if it wrote any: shown dimmed, paid as completion tokens, not sent back. */
  reasoning?: string;
  finishReason: string;
  model: string;
  provider: string;
  usage: {promptTokens: number; completionTokens: number};
  /** GRAM. */
  cost: string;
}

/** What the chat has cost. */
export interface ChatTotals {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  /** nanoGRAM. */
  costNano: bigint;
}

/** A conversation with a model on the network. */
export class ChatSession {
  private history: ChatMessage[] = [];
  private system: string | undefined;
  private model: string | undefined;
  private readonly turns: ChatTurn[] = [];
  private readonly totals: ChatTotals = {turns: 0, promptTokens: 0, completionTokens: 0, costNano: 0n};

  constructor(
    private readonly app: AppContext,
    private readonly options: ChatOptions = {},
  ) {
    this.system = options.system || undefined;
    this.model = options.filter?.model;
    this.budget = options.thinkBudget;
  }

  private budget: number | undefined;

  /** Most thought tokens per answer for reasoning models (undefined: no bound). */
  get thinkBudget(): number | undefined {
    return this.budget;
  }

  /** Set the thought budget of later turns (undefined: no bound). */
  setThinkBudget(tokens: number | undefined): void {
    this.budget = tokens;
  }

  /** The model later turns go to (undefined until the first answer when none was chosen). */
  get currentModel(): string | undefined {
    return this.model;
  }

  /** The system message, if any. */
  get systemMessage(): string | undefined {
    return this.system;
  }

  /** Messages in the conversation, the system message not counted. */
  get length(): number {
    return this.history.length;
  }

  /** Every answered turn, oldest first. */
  get transcript(): readonly ChatTurn[] {
    return this.turns;
  }

  /** What the chat has cost so far. */
  get cost(): Readonly<ChatTotals> {
    return this.totals;
  }

  /** Set or remove the system message. The history is cleared: the model's earlier answers were made under the old one. */
  setSystem(text: string): void {
    this.system = text || undefined;
    this.history = [];
  }

  /** Send later turns to this model's providers. */
  setModel(name: string): void {
    this.model = name;
  }

  /** Forget the conversation (the system message stays). */
  clear(): void {
    this.history = [];
  }

  /**
   * One paid turn: the whole history plus `text`, streamed through onText.
   * `stop` ends the answer early and pays what arrived (finish `abort`); what
   * arrived stays in the history. On failure nothing is added.
   */
  async send(text: string, io: {onText?: (text: string) => void; stop?: AbortSignal} = {}): Promise<AskResult> {
    const messages: ChatMessage[] = [...(this.system ? [{role: 'system' as const, content: this.system}] : []), ...this.history, {role: 'user', content: text}];
    const result = await askNetwork(this.app, {
      prompt: text,
      messages,
      maxTokens: this.options.maxTokens ?? 512,
      temperature: this.options.temperature,
      thinkBudget: this.budget,
      filter: {...this.options.filter, model: this.model},
      deposit: this.options.deposit,
      funding: this.options.funding,
      confirm: this.options.confirm,
      onText: io.onText,
      onNote: this.options.onNote,
      stop: io.stop,
    });
    // The conversation stays with one model: the first answer picks it when none was asked for.
    this.model ??= result.provider.model;
    // Thoughts stay out of the history, as reasoning models are meant to be prompted (and they would cost prompt tokens every turn).
    const {reasoning, content} = splitReasoning(result.text);
    this.history.push({role: 'user', content: text}, {role: 'assistant', content});
    this.totals.turns++;
    this.totals.promptTokens += result.usage.promptTokens;
    this.totals.completionTokens += result.usage.completionTokens;
    this.totals.costNano += result.cost;
    this.turns.push({
      user: text,
      assistant: content,
      ...(reasoning === undefined ? {} : {reasoning}),
      finishReason: result.finishReason,
      model: result.provider.model,
      provider: result.provider.address.toString(),
      usage: result.usage,
      cost: formatTon(result.cost),
    });
    return result;
  }

  /** A line saying what the chat has cost. */
  costLine(): string {
    const t = this.totals;
    return `${t.turns} answer${t.turns === 1 ? '' : 's'}, ${t.promptTokens} prompt + ${t.completionTokens} completion tokens: ${formatTon(t.costNano)} GRAM`;
  }
}

/** What `chat --json` prints when the chat ends. */
export interface ChatView {
  turns: ChatTurn[];
  total: {turns: number; promptTokens: number; completionTokens: number; cost: string; costNano: string};
}

/** The chat's transcript and totals, as `chat --json` prints them. */
export function chatView(session: ChatSession): ChatView {
  const t = session.cost;
  return {turns: [...session.transcript], total: {turns: t.turns, promptTokens: t.promptTokens, completionTokens: t.completionTokens, cost: formatTon(t.costNano), costNano: t.costNano.toString()}};
}

/** The line after an answer: what it cost and who answered (shorter than `ask`'s: a chat shows one per turn). */
export function chatTurnLine(result: AskResult, network: AppContext['network']): string {
  const stopped = result.finishReason === 'abort' ? 'stopped early; ' : result.finishReason === 'length' ? 'cut at --max-tokens; ' : '';
  const thought = result.reasoningTokens ? `, ${result.reasoningTokens} of them thought` : '';
  return `— ${stopped}${formatTon(result.cost)} GRAM (${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion tokens${thought}) from ${result.provider.model} by ${formatAddress(result.provider.address, network)}`;
}

/** An error as the chat shows it, to stay in the chat: message and hint. A stop before any text is no error: nothing was paid. */
export function chatErrorText(error: unknown): string {
  if (isCocoonError(error) && error.code === 'ABORTED') return 'Stopped before the answer began; nothing to pay.';
  if (isCocoonError(error)) return `${error.message}${error.hint ? ` ${error.hint}` : ''}`;
  return (error as Error)?.message ?? String(error);
}
