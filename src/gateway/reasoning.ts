/**
 * Thoughts of reasoning models (DeepSeek-R1, Qwen3 …), which write
 * `<think>…</think>` before the answer: split off as OpenAI-compatible
 * servers do (`reasoning_content`, as DeepSeek's API and vLLM send it), both
 * from a whole text and from a stream cut anywhere, tags included.
 */

/** `reasoning_effort` values, as OpenAI and vLLM take them. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high'] as const;
/** One of REASONING_EFFORTS. */
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** The share of max_tokens each effort lets a thought take (docs/gateway.md): `none` closes the thought at once. */
export const EFFORT_SHARE: Record<ReasoningEffort, number> = {none: 0, minimal: 0.1, low: 0.25, medium: 0.5, high: 0.8};

/** The thought budget (params.thinkBudget, docs/protocol.md §4.2) for a reasoning_effort and max_tokens. */
export function thoughtBudgetFor(effort: ReasoningEffort, maxTokens: number): number {
  return Math.floor(EFFORT_SHARE[effort] * maxTokens);
}

const OPEN = '<think>';
const CLOSE = '</think>';

/** A piece of an answer: thought or answer text. */
export interface ReasoningPart {
  kind: 'reasoning' | 'content';
  text: string;
}

/** Split a whole answer: a leading `<think>` block (or, for templates that open it in the prompt, text before a lone `</think>`) is the reasoning. */
export function splitReasoning(text: string): {reasoning?: string; content: string} {
  const lead = text.length - text.trimStart().length;
  if (text.startsWith(OPEN, lead)) {
    const end = text.indexOf(CLOSE, lead + OPEN.length);
    if (end < 0) return {reasoning: text.slice(lead + OPEN.length), content: ''};
    return {reasoning: text.slice(lead + OPEN.length, end), content: text.slice(end + CLOSE.length).replace(/^\s+/, '')};
  }
  const close = text.indexOf(CLOSE);
  if (close >= 0 && !text.slice(0, close).includes(OPEN)) return {reasoning: text.slice(0, close), content: text.slice(close + CLOSE.length).replace(/^\s+/, '')};
  return {content: text};
}

/**
 * The same split on a stream. Text is held back only while it could still be
 * the start of a tag; a stream that does not open with `<think>` is content
 * from its first non-space character on (a lone `</think>` is recognised
 * only by splitReasoning, on whole answers).
 */
export class ReasoningStream {
  private state: 'start' | 'thinking' | 'after' | 'content' = 'start';
  private held = '';

  /** Feed the next piece of text; returns what can be told now. */
  push(text: string): ReasoningPart[] {
    this.held += text;
    const out: ReasoningPart[] = [];
    for (;;) {
      if (this.state === 'start') {
        const trimmed = this.held.trimStart();
        if (trimmed === '' || (OPEN.startsWith(trimmed) && trimmed.length < OPEN.length)) return out;
        if (trimmed.startsWith(OPEN)) {
          this.held = trimmed.slice(OPEN.length);
          this.state = 'thinking';
        } else {
          this.state = 'content';
        }
        continue;
      }
      if (this.state === 'thinking') {
        const end = this.held.indexOf(CLOSE);
        if (end >= 0) {
          if (end > 0) out.push({kind: 'reasoning', text: this.held.slice(0, end)});
          this.held = this.held.slice(end + CLOSE.length);
          this.state = 'after';
          continue;
        }
        // Keep back what could be the start of </think>.
        const keep = partialSuffix(this.held, CLOSE);
        const told = this.held.slice(0, this.held.length - keep);
        if (told) out.push({kind: 'reasoning', text: told});
        this.held = this.held.slice(this.held.length - keep);
        return out;
      }
      if (this.state === 'after') {
        // The blank line models put after </think> is not part of the answer.
        const trimmed = this.held.replace(/^\s+/, '');
        if (trimmed === '') {
          this.held = '';
          return out;
        }
        this.held = trimmed;
        this.state = 'content';
        continue;
      }
      if (this.held) out.push({kind: 'content', text: this.held});
      this.held = '';
      return out;
    }
  }

  /** The end of the stream: whatever was held back. */
  end(): ReasoningPart[] {
    const held = this.held;
    this.held = '';
    if (!held) return [];
    if (this.state === 'thinking') return [{kind: 'reasoning', text: held}];
    if (this.state === 'after') return [];
    return [{kind: 'content', text: held}];
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) if (text.endsWith(tag.slice(0, n))) return n;
  return 0;
}
