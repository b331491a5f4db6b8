// Thought separation (reasoning_content): the whole-text split and the
// streaming split agree however the stream is cut, and text without thoughts
// passes through unchanged.
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {ReasoningStream, splitReasoning} from '../../src/gateway/reasoning.js';

function streamed(text: string, cuts: number[]): {reasoning: string; content: string; sawReasoning: boolean} {
  const s = new ReasoningStream();
  const parts = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < text.length)].sort((a, b) => a - b)) {
    parts.push(...s.push(text.slice(at, cut)));
    at = cut;
  }
  parts.push(...s.push(text.slice(at)), ...s.end());
  return {
    reasoning: parts.filter((p) => p.kind === 'reasoning').map((p) => p.text).join(''),
    content: parts.filter((p) => p.kind === 'content').map((p) => p.text).join(''),
    sawReasoning: parts.some((p) => p.kind === 'reasoning'),
  };
}

describe('reasoning_content', () => {
  it('splits a leading <think> block, and a lone </think> (a template that opened the block in the prompt)', () => {
    expect(splitReasoning('<think>\nLet me see.\n</think>\n\nThe answer is 4.')).toEqual({reasoning: '\nLet me see.\n', content: 'The answer is 4.'});
    expect(splitReasoning('  <think>unfinished')).toEqual({reasoning: 'unfinished', content: ''});
    expect(splitReasoning('Let me see.</think>4')).toEqual({reasoning: 'Let me see.', content: '4'});
    expect(splitReasoning('No thoughts here <think>x</think>')).toEqual({content: 'No thoughts here <think>x</think>'});
    expect(splitReasoning('<thinking is not a tag')).toEqual({content: '<thinking is not a tag'});
  });

  it('streamed, cut anywhere (inside the tags too), gives what the whole-text split gives', () => {
    const texts = ['<think>\nplan a, then b\n</think>\n\nDone: a < b.', '<think></think>answer', '\n<think>only thoughts', 'plain <thi answer', '<t', '  ', 'a</think>b is content when streamed'];
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(fc.nat(60), {maxLength: 8}), (text, cuts) => {
        const got = streamed(text, cuts);
        const whole = splitReasoning(text);
        if (text.includes('<think>')) {
          expect(got.reasoning).toBe(whole.reasoning ?? '');
          expect(got.content).toBe(whole.content);
        } else {
          // Without an opening tag the stream is content, byte for byte.
          expect(got.sawReasoning).toBe(false);
          expect(got.content).toBe(text);
        }
      }),
      {numRuns: 500},
    );
  });
});
