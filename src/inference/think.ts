/**
 * Thoughts of reasoning models (DeepSeek-R1, Qwen3 …) as the provider meters
 * and bounds them (docs/protocol.md §4.2): one rule, shared by the engine that
 * generates an answer and the auditor who re-scores it, so both count the
 * same thought tokens and agree on which tokens the provider forced.
 */

/** The tag that opens a thought. */
export const THINK_OPEN = '<think>';
/** The tag that closes it. */
export const THINK_CLOSE = '</think>';
/** What the provider appends when a thought reaches its budget: the closing tag and the blank line these models write after it. */
export const THINK_CLOSING_TEXT = '</think>\n\n';

/**
 * Whether a model thinks: its chat template mentions `</think>` (Qwen3,
 * DeepSeek-R1 and their distills all do: they cut earlier answers' thoughts
 * at it, and some open the thought in the prompt). Only such models get a thought budget.
 */
export function isThinkingTemplate(template: string | undefined): boolean {
  return typeof template === 'string' && template.includes(THINK_CLOSE);
}

/** Whether a rendered prompt already opens the thought (templates that write `<think>` before the answer). */
export function promptOpensThought(promptTail: string): boolean {
  return promptTail.trimEnd().endsWith(THINK_OPEN);
}

/** How an output's thought stands. */
export interface ThoughtCount {
  /** The output is a thought first: it opens with `<think>` (leading whitespace aside), or the prompt opened it. */
  thinking: boolean;
  /** The thought's `</think>` is in the output. */
  closed: boolean;
  /** Thought tokens: from the first output token to the one that completes `</think>` (all of them while unclosed); 0 when not thinking. */
  tokens: number;
}

/**
 * Count an output's thought tokens from the text of each token (`pieces`, in
 * order; only ASCII tags are looked for, so a piece's leading space or a
 * split UTF-8 character does not matter).
 */
export function countThought(pieces: readonly string[], promptOpened: boolean): ThoughtCount {
  let text = '';
  let thinking = promptOpened;
  let decided = promptOpened;
  let from = 0; // where </think> may start
  for (const [i, piece] of pieces.entries()) {
    text += piece;
    if (!decided) {
      const trimmed = text.trimStart();
      if (trimmed.length < THINK_OPEN.length && THINK_OPEN.startsWith(trimmed)) continue;
      decided = true;
      thinking = trimmed.startsWith(THINK_OPEN);
      if (!thinking) return {thinking: false, closed: false, tokens: 0};
      from = text.length - trimmed.length + THINK_OPEN.length;
    }
    if (text.indexOf(THINK_CLOSE, from) >= 0) return {thinking: true, closed: true, tokens: i + 1};
  }
  return thinking && decided ? {thinking: true, closed: false, tokens: pieces.length} : {thinking: false, closed: false, tokens: 0};
}

/**
 * How many tokens the model may write before the provider closes its thought:
 * the budget less the closing tokens up to `</think>` (so the thought, tags
 * included, stays within the budget), at least 1.
 */
export function thoughtRunway(budget: number, closeTagTokens: number): number {
  return Math.max(1, budget - closeTagTokens);
}

/** Tokens of the closing text up to and including the one that completes `</think>`. */
export function closeTagTokens(closingPieces: readonly string[]): number {
  let text = '';
  for (const [i, p] of closingPieces.entries()) {
    text += p;
    if (text.includes(THINK_CLOSE)) return i + 1;
  }
  return closingPieces.length;
}

/** What a model needs to know about closing thoughts (the engine gives it; the auditor gets it from the same engine). */
export interface ThoughtClosing {
  /** The token ids of THINK_CLOSING_TEXT in this model's tokenizer. */
  tokenIds: readonly number[];
  /** How many of them complete `</think>` (closeTagTokens of their pieces). */
  tagTokens: number;
}

/**
 * Where the provider forced the closing tokens into an output, by the rule of
 * docs/protocol.md §4.2: the thought was open and unclosed after the runway
 * and the next tokens are exactly the closing ones. Returns the first forced
 * position, or undefined when nothing was forced.
 */
export function forcedClosingAt(options: {
  outputTokenIds: readonly number[];
  pieces: readonly string[];
  promptOpened: boolean;
  budget: number | undefined;
  closing: ThoughtClosing;
}): number | undefined {
  const {outputTokenIds: ids, budget, closing} = options;
  if (budget === undefined || closing.tokenIds.length === 0) return undefined;
  const runway = thoughtRunway(budget, closing.tagTokens);
  if (ids.length < runway + closing.tokenIds.length) return undefined;
  const before = countThought(options.pieces.slice(0, runway), options.promptOpened);
  if (!before.thinking || before.closed) return undefined;
  for (const [i, id] of closing.tokenIds.entries()) if (ids[runway + i] !== id) return undefined;
  return runway;
}
