import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runAudit} from '../../src/audit/auditor.js';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import {ImpostorEngine, inflateCompletion, inflatePrompt, retokenizeAs} from '../helpers/impostor-engine.js';
import {auditTarget, MODELS, type AuditTarget} from './setup.js';

// Real models only: an audit of a tiny GGUF written on the spot would prove nothing.
const ready = Boolean(MODELS.stories && MODELS.tiny656k && MODELS.random);

describe.runIf(ready)('auditing a provider by re-scoring its answers (stories260K registered)', () => {
  let honest: LlamaEngine;
  const targets: AuditTarget[] = [];
  beforeAll(async () => {
    // Two sequences: one serves, the auditor borrows the other for re-scoring (one model in memory).
    honest = await createEngine({modelPath: MODELS.stories!, gpu: false, threads: 1, parallel: 2, contextSize: 512, name: 'stories260K'});
  });
  afterAll(async () => {
    for (const t of targets) await t.rig.close();
    await honest?.dispose();
  });
  const target = async (engine: Parameters<typeof auditTarget>[0]) => {
    const t = await auditTarget(engine, honest.model.sha256);
    targets.push(t);
    return t;
  };
  const impostor = async (path: string, tamper?: ConstructorParameters<typeof ImpostorEngine>[2]) => {
    const inner = path === MODELS.stories ? honest : await createEngine({modelPath: path, gpu: false, threads: 1, contextSize: 512, hash: false});
    return new ImpostorEngine(inner, honest.model, tamper);
  };

  it('an honest provider passes every challenge, greedy and sampled, re-scored on the serving engine itself', async () => {
    const t = await target(honest);
    const {bundle, unanswered} = await runAudit({provider: t.provider, ask: t.ask, scorer: honest, challenges: 24});
    expect(unanswered).toEqual([]);
    const failed = bundle.challenges.filter((c) => !c.verdict.ok);
    expect(failed.map((c) => c.verdict.reason)).toEqual([]);
    expect(bundle.summary).toEqual({challenges: 24, failures: 0});
    const kinds = new Set(bundle.challenges.map((c) => (c.request.params.temperature === 0 ? 'greedy' : 'sampled')));
    expect(kinds).toEqual(new Set(['greedy', 'sampled']));
    expect(bundle.challenges.every((c) => c.tokenIds.length > 0)).toBe(true);
  });

  for (const [label, path] of [['TinyStories-656K', MODELS.tiny656k], ['llama-2-tiny-random', MODELS.random]] as const) {
    it(`a provider serving ${label} under stories260K's hash is flagged within 5 challenges`, async () => {
      const t = await target(await impostor(path!));
      const {bundle} = await runAudit({provider: t.provider, ask: t.ask, scorer: honest, challenges: 5, stopAfterFailures: 1});
      expect(bundle.summary.failures).toBe(1);
      expect(bundle.challenges.length).toBeLessThanOrEqual(5);
    });

    it(`…and so is a careful one that reports ${label}'s text in stories260K's tokens and counts: only the model's choices betray it`, async () => {
      const t = await target(await impostor(path!, retokenizeAs(honest)));
      const {bundle} = await runAudit({provider: t.provider, ask: t.ask, scorer: honest, challenges: 5, stopAfterFailures: 1});
      expect(bundle.summary.failures).toBe(1);
      expect(bundle.challenges.at(-1)!.verdict.reason).toMatch(/^(greedy|sampled) answer/);
    });
  }

  it('a provider billing 10 % more completion tokens (padded ids, a self-consistent receipt) fails every challenge', async () => {
    const t = await target(await impostor(MODELS.stories!, inflateCompletion(1.1)));
    const {bundle} = await runAudit({provider: t.provider, ask: t.ask, scorer: honest, challenges: 4});
    expect(bundle.summary).toEqual({challenges: 4, failures: 4});
    for (const c of bundle.challenges) expect(c.verdict.reason).toMatch(/not what the token ids spell|greedy answer: token|sampled answer/);
  });

  it('a provider billing 10 % more prompt tokens fails every challenge: the count is the model’s own tokenizer and template', async () => {
    const t = await target(await impostor(MODELS.stories!, inflatePrompt(1.1)));
    const {bundle} = await runAudit({provider: t.provider, ask: t.ask, scorer: honest, challenges: 4});
    expect(bundle.summary).toEqual({challenges: 4, failures: 4});
    for (const c of bundle.challenges) expect(c.verdict.reason).toMatch(/^billed \d+ prompt tokens; the model's tokenizer and chat template give \d+$/);
  });
});
