// The thought rule (docs/protocol.md §4.2), shared by the engine and the auditor: which
// output tokens are thought tokens, and where a provider had to append the closing text.
import {describe, expect, it} from 'vitest';
import {closeTagTokens, countThought, forcedClosingAt, isThinkingTemplate, promptOpensThought, thoughtRunway} from '../../src/inference/think.js';

describe('the thought rule', () => {
  it('a thinking template mentions </think>', () => {
    expect(isThinkingTemplate("{{ message.content.split('</think>')[-1] }}")).toBe(true);
    expect(isThinkingTemplate('{{ message.content }}')).toBe(false);
    expect(isThinkingTemplate(undefined)).toBe(false);
    expect(promptOpensThought('<|im_start|>assistant\n<think>\n')).toBe(true);
    expect(promptOpensThought('<|im_start|>assistant\n')).toBe(false);
  });

  it('counts from the first token to the one that completes </think>, tags split across tokens included', () => {
    expect(countThought(['<think>', 'a', ' b', '</think>', '\n\n', 'ans'], false)).toEqual({thinking: true, closed: true, tokens: 4});
    expect(countThought(['\n', '<th', 'ink>', 'x', '</', 'think', '>', 'y'], false)).toEqual({thinking: true, closed: true, tokens: 7});
    expect(countThought(['<think>', 'a', 'b'], false)).toEqual({thinking: true, closed: false, tokens: 3});
    // The opening tag cannot close the thought, and </think> must come after it.
    expect(countThought(['<think></think>', 'x'], false)).toEqual({thinking: true, closed: true, tokens: 1});
  });

  it('an answer that does not open with <think> has no thought; one whose prompt opened it thinks from its first token', () => {
    expect(countThought(['Hello', ' <think>', '</think>'], false)).toEqual({thinking: false, closed: false, tokens: 0});
    expect(countThought(['<thi'], false)).toEqual({thinking: false, closed: false, tokens: 0});
    expect(countThought([], false)).toEqual({thinking: false, closed: false, tokens: 0});
    expect(countThought(['a', 'b', '</think>', 'c'], true)).toEqual({thinking: true, closed: true, tokens: 3});
    expect(countThought(['a', 'b'], true)).toEqual({thinking: true, closed: false, tokens: 2});
  });

  it('the runway leaves room for the closing tag within the budget', () => {
    expect(closeTagTokens(['</think>', ' ', '\n\n'])).toBe(1);
    expect(closeTagTokens(['</', 'think', '>', '\n\n'])).toBe(3);
    expect(thoughtRunway(10, 1)).toBe(9);
    expect(thoughtRunway(0, 1)).toBe(1);
    expect(thoughtRunway(2, 3)).toBe(1);
  });

  it('finds the forced closing tokens only where the rule put them', () => {
    const closing = {tokenIds: [90, 91], tagTokens: 1};
    const ids = [1, 2, 3, 90, 91, 5, 6];
    const pieces = ['<think>', 'a', 'b', '</think>', '\n\n', 'x', 'y'];
    const at = (o: Partial<Parameters<typeof forcedClosingAt>[0]>) => forcedClosingAt({outputTokenIds: ids, pieces, promptOpened: false, budget: 4, closing, ...o});
    expect(at({})).toBe(3);
    expect(at({budget: undefined})).toBeUndefined();
    expect(at({budget: 5})).toBeUndefined(); // the rule would have forced after 4 tokens, not 3: the </think> at 3 is the model's own
    expect(at({budget: 3})).toBeUndefined(); // after 2: 'b' is no closing token
    expect(at({outputTokenIds: [1, 2, 3, 90, 92, 5, 6]})).toBeUndefined();
    expect(at({pieces: ['hi', 'a', 'b', '</think>', '\n\n', 'x', 'y']})).toBeUndefined(); // no thought
    expect(at({outputTokenIds: ids.slice(0, 4)})).toBeUndefined(); // ended before the closing text fit
  });
});
