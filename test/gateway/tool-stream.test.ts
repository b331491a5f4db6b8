// Streaming a tool answer as the model writes it: however the text is cut,
// the deltas reassemble into the calls (names, ids, arguments that parse to
// what was written) or the text answer.
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {ToolAnswerStream, type ToolStreamPart} from '../../src/gateway/tool-stream.js';

function feed(text: string, cuts: number[]): ToolStreamPart[] {
  const s = new ToolAnswerStream();
  const parts: ToolStreamPart[] = [];
  let at = 0;
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < text.length).sort((a, b) => a - b)) {
    parts.push(...s.push(text.slice(at, cut)));
    at = cut;
  }
  parts.push(...s.push(text.slice(at)));
  return parts;
}

function reassemble(parts: ToolStreamPart[]) {
  const calls = new Map<number, {id?: string; name?: string; args: string}>();
  let text = '';
  for (const p of parts) {
    if ('text' in p) text += p.text;
    else
      for (const d of p.toolCalls) {
        const c = calls.get(d.index) ?? {args: ''};
        if (d.id) {
          expect(c.id).toBeUndefined(); // the naming delta comes once, first
          expect(c.args).toBe('');
          Object.assign(c, {id: d.id, name: d.function.name});
        }
        c.args += d.function.arguments;
        calls.set(d.index, c);
      }
  }
  return {calls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c), text};
}

// JSON as a grammar writes it: spaces or newlines and indentation between tokens.
const ws = fc.constantFrom('', ' ', '\n    ', '\n        ');
const json = fc.jsonValue({maxDepth: 3});
const args = fc.dictionary(fc.string({maxLength: 6}), json, {maxKeys: 4});

describe('ToolAnswerStream', () => {
  it('calls: each named once with an id, arguments reassembling to what was written, cut anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.record({name: fc.constantFrom('get_weather', 'search', 'f'), arguments: fc.oneof(args, json)}), {minLength: 1, maxLength: 4}), ws, fc.array(fc.nat(400), {maxLength: 12}), (calls, space, cuts) => {
        const body = calls.map((c) => `{${space}"name":${space}${JSON.stringify(c.name)},${space}"arguments":${space}${JSON.stringify(c.arguments, null, space ? 2 : undefined)}${space}}`).join(`,${space}`);
        const text = `{${space}"tool_calls":${space}[${space}${body}${space}]${space}}`;
        const got = reassemble(feed(text, cuts));
        expect(got.text).toBe('');
        expect(got.calls.map((c) => c.name)).toEqual(calls.map((c) => c.name));
        expect(new Set(got.calls.map((c) => c.id)).size).toBe(calls.length);
        got.calls.forEach((c, i) => expect(JSON.parse(c.args)).toEqual(JSON.parse(JSON.stringify(calls[i]!.arguments))));
      }),
      {numRuns: 400},
    );
  });

  it('a text answer streams as its decoded text, escapes and all', () => {
    fc.assert(
      fc.property(fc.string({maxLength: 40, unit: 'grapheme'}), ws, fc.array(fc.nat(60), {maxLength: 8}), (content, space, cuts) => {
        const got = reassemble(feed(`{${space}"content":${space}${JSON.stringify(content)}${space}}`, cuts));
        expect(got.calls).toEqual([]);
        expect(got.text).toBe(content);
      }),
      {numRuns: 300},
    );
    expect(reassemble(feed('{"content": "a\\u00e9\\n\\"b\\""}', [3, 14, 17])).text).toBe('aé\n"b"');
  });

  it('a cut answer streams what was complete so far', () => {
    const got = reassemble(feed('{"tool_calls": [{"name": "f", "arguments": {"city": "Par', [20]));
    expect(got.calls).toMatchObject([{name: 'f', args: '{"city": "Par'}]);
  });
});
