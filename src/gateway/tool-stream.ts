/**
 * Streams a tool answer as the model writes it. The grammar fixes its shape
 * (`{"tool_calls": [{"name": …, "arguments": …}, …]}` or `{"content": "…"}`,
 * properties in that order), so a small JSON scanner can tell, character by
 * character, when a call's name is complete (its first delta: id, type,
 * name) and which characters are its arguments (sent as they come, raw JSON
 * text, which reassembles into the arguments string) or the text answer.
 */
import {randomBytes} from 'node:crypto';
import type {ToolCallDelta} from './responses.js';

/** What a piece of a tool answer says: deltas to stream. */
export type ToolStreamPart = {toolCalls: ToolCallDelta[]} | {text: string};

interface Scope {
  kind: 'object' | 'array';
  /** Object: the key being read or whose value is being read. */
  key?: string;
  /** Object: a key is expected next. */
  expectingKey: boolean;
  /** Array: index of the current element. */
  index: number;
}

const ESCAPES: Record<string, string> = {'"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t'};

/** Incremental reader of one constrained tool answer. */
export class ToolAnswerStream {
  private readonly stack: Scope[] = [];
  private inString = false;
  private escape = false;
  private unicode: string | undefined;
  private stringIsKey = false;
  private stringText = '';
  /** Capturing a call's arguments: the call's index and the stack depth its value lives at. */
  private capture: {index: number; scalar: boolean} | undefined;
  private contentString = false;
  private out: ToolStreamPart[] = [];
  private args = new Map<number, string>();
  /** Calls named so far. */
  calls = 0;
  /** Whether any text answer (`content`) was seen. */
  sawContent = false;

  /** Feed more of the answer; returns the deltas it completes. */
  push(text: string): ToolStreamPart[] {
    for (const c of text) this.step(c);
    this.flushArgs();
    // Text comes a character at a time: adjacent pieces go out as one delta.
    const out: ToolStreamPart[] = [];
    for (const part of this.out) {
      const last = out[out.length - 1];
      if ('text' in part && last && 'text' in last) last.text += part.text;
      else out.push(part);
    }
    this.out = [];
    return out;
  }

  private get top(): Scope | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Inside a call object: [root, tool_calls array, call]. */
  private get inCall(): boolean {
    return this.stack.length === 3 && this.stack[0]!.key === 'tool_calls' && this.stack[1]!.kind === 'array' && this.top!.kind === 'object';
  }

  private emitArgs(c: string): void {
    const i = this.capture!.index;
    this.args.set(i, (this.args.get(i) ?? '') + c);
  }

  /** A value starts here with `c`: begin capturing, `c` included, if it is a call's arguments. */
  private valueStarts(c: string, scalar: boolean): void {
    if (!this.inCall || this.top!.key !== 'arguments' || this.capture) return;
    this.capture = {index: this.stack[1]!.index, scalar};
    this.emitArgs(c);
  }

  private step(c: string): void {
    if (this.inString) return this.stringStep(c);
    if (this.capture?.scalar && this.stack.length === 3 && (c === ',' || c === '}' || /\s/.test(c))) this.capture = undefined;
    if (this.capture) this.emitArgs(c);
    const top = this.top;
    switch (c) {
      case '{':
      case '[':
        if (!(top?.kind === 'object' && top.expectingKey)) this.valueStarts(c, false);
        this.stack.push({kind: c === '{' ? 'object' : 'array', expectingKey: c === '{', index: 0});
        return;
      case '}':
      case ']':
        this.stack.pop();
        if (this.capture && !this.capture.scalar && this.stack.length === 3) this.capture = undefined;
        return;
      case '"':
        this.inString = true;
        this.stringText = '';
        this.stringIsKey = top?.kind === 'object' && top.expectingKey;
        if (!this.stringIsKey) {
          this.valueStarts(c, true);
          this.contentString = this.stack.length === 1 && top?.key === 'content';
          if (this.contentString) this.sawContent = true;
        }
        return;
      case ':':
        if (top?.kind === 'object') top.expectingKey = false;
        return;
      case ',':
        if (top?.kind === 'object') Object.assign(top, {expectingKey: true, key: undefined});
        else if (top) top.index++;
        return;
      default:
        if (!/\s/.test(c) && top && !(top.kind === 'object' && top.expectingKey)) this.valueStarts(c, true);
    }
  }

  private stringStep(c: string): void {
    if (this.capture) this.emitArgs(c);
    let decoded: string | undefined;
    if (this.unicode !== undefined) {
      this.unicode += c;
      if (this.unicode.length < 4) return;
      decoded = String.fromCharCode(parseInt(this.unicode, 16));
      this.unicode = undefined;
    } else if (this.escape) {
      this.escape = false;
      if (c === 'u') {
        this.unicode = '';
        return;
      }
      decoded = ESCAPES[c] ?? c;
    } else if (c === '\\') {
      this.escape = true;
      return;
    } else if (c === '"') {
      return this.stringEnds();
    } else {
      decoded = c;
    }
    this.stringText += decoded;
    if (this.contentString) this.out.push({text: decoded});
  }

  private stringEnds(): void {
    this.inString = false;
    const top = this.top;
    if (this.stringIsKey && top?.kind === 'object') {
      top.key = this.stringText;
      return;
    }
    if (this.capture?.scalar && this.stack.length === 3) this.capture = undefined;
    if (this.contentString) this.contentString = false;
    if (this.inCall && top!.key === 'name') {
      this.flushArgs();
      this.out.push({toolCalls: [{index: this.stack[1]!.index, id: `call_${randomBytes(12).toString('hex')}`, type: 'function', function: {name: this.stringText, arguments: ''}}]});
      this.calls++;
    }
  }

  /** Arguments gathered so far go out before a new call is named, so deltas stay in order. */
  private flushArgs(): void {
    for (const [index, piece] of this.args) if (piece) this.out.push({toolCalls: [{index, function: {arguments: piece}}]});
    this.args.clear();
  }
}
