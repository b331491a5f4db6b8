// reasoning_effort and thinking_budget in an OpenAI request become the protocol's
// params.thinkBudget (docs/gateway.md): the numbers are a share of max_tokens.
import {describe, expect, it} from 'vitest';
import {EFFORT_SHARE, thoughtBudgetFor} from '../../src/gateway/reasoning.js';
import {parseCompletionRequest} from '../../src/gateway/request.js';

const defaults = {chatMaxTokens: 1000, completionMaxTokens: 16};
const chat = (extra: object) => parseCompletionRequest('chat', {model: 'qwen3', messages: [{role: 'user', content: 'hi'}], ...extra}, defaults);

describe('thought budgets from OpenAI requests', () => {
  it('reasoning_effort maps to a share of max_tokens', () => {
    expect(EFFORT_SHARE).toEqual({none: 0, minimal: 0.1, low: 0.25, medium: 0.5, high: 0.8});
    for (const [effort, budget] of [['none', 0], ['minimal', 40], ['low', 100], ['medium', 200], ['high', 320]] as const) {
      expect(chat({reasoning_effort: effort, max_tokens: 400}).params.thinkBudget).toBe(budget);
    }
    // max_completion_tokens, else the gateway's default, is the base.
    expect(chat({reasoning_effort: 'low', max_completion_tokens: 80}).params.thinkBudget).toBe(20);
    expect(chat({reasoning_effort: 'medium'}).params.thinkBudget).toBe(500);
    expect(thoughtBudgetFor('high', 7)).toBe(5);
  });

  it('thinking_budget is exact and wins over reasoning_effort; neither means no bound', () => {
    expect(chat({thinking_budget: 77, reasoning_effort: 'high', max_tokens: 400}).params.thinkBudget).toBe(77);
    expect(chat({max_tokens: 400}).params).not.toHaveProperty('thinkBudget');
    expect(chat({reasoning_effort: null}).params).not.toHaveProperty('thinkBudget');
    expect(parseCompletionRequest('completion', {model: 'qwen3', prompt: 'x', thinking_budget: 9}, defaults).params.thinkBudget).toBe(9);
  });
});
