// Re-scoring answers of a thinking model with a thought budget (docs/audit.md §2): the
// closing tokens the provider forced are not the model's choice, so an honest provider
// must pass with them; anything else about the thought is judged as usual.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runAudit} from '../../src/audit/auditor.js';
import {rescore} from '../../src/audit/rescore.js';
import type {ChallengeRequest} from '../../src/audit/challenge.js';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import {QWEN3_STYLE_TEMPLATE} from '../helpers/qwen3-template.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';
import {answerOf, generatedAnswer} from './answer.js';
import {auditTarget} from './setup.js';

const ask = (params: ChallengeRequest['params'], maxTokens = 40): ChallengeRequest => ({model: 'tiny-thinker', messages: [{role: 'user', content: 'the cat sat on the mat'}], params, maxTokens});

describe('re-scoring budgeted thoughts (tiny GGUF that thinks)', () => {
  let engine: LlamaEngine;
  beforeAll(async () => {
    engine = await createEngine({modelPath: writeTinyGguf({chatTemplate: QWEN3_STYLE_TEMPLATE, thinking: true}), threads: 1, parallel: 2, contextSize: 256, gpu: false});
  });
  afterAll(() => engine?.dispose());

  it('an honest greedy answer with a thought budget passes; the forced closing tokens are what the model would not have chosen', async () => {
    const a = await generatedAnswer(engine, ask({temperature: 0, thinkBudget: 10}));
    expect(a.receipt.reasoningTokens).toBe(10);
    expect(a.text).toContain('</think>');
    const v = await rescore(engine, a);
    expect(v).toEqual({ok: true, reason: expect.stringMatching(/^greedy answer: all 37 tokens are the model's top choice.*; 3 closing tokens forced by the thought budget not judged$/)});
    // Judged as if no budget had been asked (the same tokens, a request without it), the forced </think> is not the model's choice.
    const unbudgeted = {...a, request: ask({temperature: 0})};
    expect(await rescore(engine, unbudgeted)).toMatchObject({ok: false, reason: expect.stringMatching(/^greedy answer: token 9 \(id \d+\) is/)});
  });

  it('honest sampled answers with a budget pass', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const a = await generatedAnswer(engine, ask({temperature: 0.8, seed, thinkBudget: 8 + seed}));
      const v = await rescore(engine, a);
      expect(v.ok, v.reason).toBe(true);
      expect(v.reason).toMatch(/closing tokens forced by the thought budget not judged/);
    }
  });

  it('an audit through the protocol: an honest thinking provider passes every challenge, budgeted ones included', async () => {
    const t = await auditTarget(engine, engine.model.sha256);
    try {
      // Seeded draws: enough chats for several to carry a thought budget.
      let a = 7;
      const random = (n: number) => {
        // mulberry32
        a = (a + 0x6d2b79f5) >>> 0;
        let t = Math.imul(a ^ (a >>> 15), a | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
      };
      const {bundle, unanswered} = await runAudit({provider: t.provider, ask: t.ask, scorer: engine, challenges: 16, challengeOptions: {random}});
      expect(bundle.challenges.map((c) => c.verdict.reason).filter((r) => r.includes("refused"))).toEqual([]);
      expect(unanswered.map((u) => u.error)).toEqual([]);
      expect(bundle.challenges.filter((c) => !c.verdict.ok).map((c) => c.verdict.reason)).toEqual([]);
      const budgeted = bundle.challenges.filter((c) => c.request.params.thinkBudget !== undefined);
      expect(budgeted.length).toBeGreaterThan(1);
      for (const c of budgeted) expect(c.verdict.reason).toMatch(/closing tokens forced by the thought budget not judged/);
    } finally {
      await t.rig.close();
    }
  });

  it('a provider that closes the thought before the budget, or miscounts thought tokens, fails', async () => {
    // Closed after 5 tokens, while the request allowed 20: the early </think> is judged, and it is not the model's.
    const early = await generatedAnswer(engine, ask({temperature: 0, thinkBudget: 6}));
    expect(await rescore(engine, {...answerOf(engine, ask({temperature: 0, thinkBudget: 20}), early.trace, early.text)})).toMatchObject({ok: false, reason: expect.stringMatching(/^greedy answer: token 5 /)});
    const honest = await generatedAnswer(engine, ask({temperature: 0, thinkBudget: 10}));
    const miscounted = {...honest, receipt: {...honest.receipt, reasoningTokens: 3}};
    expect(await rescore(engine, miscounted)).toEqual({ok: false, reason: 'the receipt counts 3 thought tokens; the model\'s own tokens give 10'});
  });
});
