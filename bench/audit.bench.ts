/**
 * Audit calibration and cost (docs/audit.md):
 *
 *   AUDIT_BENCH_CHALLENGES=300 node --import tsx bench/audit.bench.ts
 *
 * 1. Calibration: an honest provider (stories260K, in process on loopback,
 *    the real protocol) answers AUDIT_BENCH_CHALLENGES challenges (default
 *    300), half greedy and half sampled; every answer is re-scored on the
 *    serving engine's own second sequence. Reports the pass rate (goal ≥ 99 %),
 *    the largest |z| of the sampled answers and the greedy ties forgiven.
 * 2. Detection: providers that serve TinyStories-656K or llama-2-tiny-random
 *    under stories260K's hash (as they are, and careful ones that report their
 *    text in stories260K's tokens and counts), audited until flagged, AUDIT_BENCH_TRIALS times
 *    each (default 10): challenges needed to flag (goal ≤ 5).
 * 3. Cost: a 256-token greedy answer generated, then re-scored by prefill
 *    (AUDIT_BENCH_ROUNDS rounds, default 9, medians): the re-score's share of
 *    the generation's time. On CPU with tiny models prefill is only a few
 *    times faster than decoding; the ≤ 10 % target is for a GPU and ≥ 1B model.
 *
 * Models: COCOON_BENCH_MODEL (stories260K) and the other two beside it, or in
 * COCOON_TEST_MODELS. Threads: COCOON_BENCH_THREADS (default 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import {runAudit} from '../src/audit/auditor.js';
import {createEngine} from '../src/inference/engine.js';
import {ImpostorEngine, retokenizeAs} from '../test/helpers/impostor-engine.js';
import {auditTarget} from '../test/audit/setup.js';
import {emitResult, median, requireBenchModel} from './lib/result.js';

const storiesPath = requireBenchModel('audit.bench');
const sibling = (name: string) => [path.join(path.dirname(storiesPath), name), process.env.COCOON_TEST_MODELS && path.join(process.env.COCOON_TEST_MODELS, name)].find((f): f is string => Boolean(f) && fs.existsSync(f as string));
const threads = Number(process.env.COCOON_BENCH_THREADS ?? 1);
const count = Number(process.env.AUDIT_BENCH_CHALLENGES ?? 300);
const trials = Number(process.env.AUDIT_BENCH_TRIALS ?? 10);
const rounds = Number(process.env.AUDIT_BENCH_ROUNDS ?? 9);

const honest = await createEngine({modelPath: storiesPath, gpu: false, threads, parallel: 2, contextSize: 1024, name: 'stories260K'});
console.log(`audit bench: ${path.basename(storiesPath)} (${honest.model.sha256.slice(0, 12)}…), ${count} challenges, ${trials} trials per impostor, ${rounds} cost rounds`);

// --- 1. calibration
const target = await auditTarget(honest, honest.model.sha256);
const t0 = performance.now();
const {bundle, unanswered} = await runAudit({
  provider: target.provider, ask: target.ask, scorer: honest, challenges: count,
  onChallenge: (i, c) => {
    if (!c.verdict.ok) console.log(`  challenge ${i + 1} FAILED: ${c.verdict.reason}`);
    else if ((i + 1) % 50 === 0) console.log(`  ${i + 1} challenges…`);
  },
});
const calibrationSeconds = (performance.now() - t0) / 1000;
await target.rig.close();
const sampled = bundle.challenges.filter((c) => c.request.params.temperature !== 0);
const zs = sampled.map((c) => Number(/z = (-?[\d.]+)/.exec(c.verdict.reason)?.[1] ?? NaN)).filter(Number.isFinite);
const ties = bundle.challenges.reduce((a, c) => a + Number(/\((\d+) within the tie tolerance\)/.exec(c.verdict.reason)?.[1] ?? 0), 0);
const calibration = {
  challenges: bundle.summary.challenges,
  failures: bundle.summary.failures,
  passRate: (bundle.summary.challenges - bundle.summary.failures) / bundle.summary.challenges,
  greedy: bundle.challenges.length - sampled.length,
  sampled: sampled.length,
  maxAbsZ: Math.max(0, ...zs.map(Math.abs)),
  greedyTiesForgiven: ties,
  unanswered: unanswered.length,
  completionTokens: bundle.challenges.reduce((a, c) => a + c.tokenIds.length, 0),
  seconds: calibrationSeconds,
};
console.log(`calibration: ${calibration.challenges - calibration.failures}/${calibration.challenges} passed (${(100 * calibration.passRate).toFixed(2)} %), max |z| ${calibration.maxAbsZ.toFixed(2)}, ${ties} greedy ties forgiven, ${calibrationSeconds.toFixed(1)} s`);

// --- 2. detection
const detection: Record<string, {trials: number; flaggedWithin5: number; challengesToFlag: number[]; reasons: string[]}> = {};
for (const [label, name, careful] of [
  ['TinyStories-656K-Q8_0.gguf', 'TinyStories-656K-Q8_0.gguf', false],
  ['TinyStories-656K-Q8_0.gguf, retokenized as stories260K', 'TinyStories-656K-Q8_0.gguf', true],
  ['llama-2-tiny-random.gguf', 'llama-2-tiny-random.gguf', false],
  ['llama-2-tiny-random.gguf, retokenized as stories260K', 'llama-2-tiny-random.gguf', true],
] as const) {
  const file = sibling(name);
  if (!file) {
    console.log(`detection: ${name} not found beside the bench model; skipped`);
    continue;
  }
  const inner = await createEngine({modelPath: file, gpu: false, threads, contextSize: 1024, hash: false});
  const row = {trials, flaggedWithin5: 0, challengesToFlag: [] as number[], reasons: [] as string[]};
  for (let i = 0; i < trials; i++) {
    // A fresh provider and channel per trial, as independent auditors would have: answers the auditor refused to pay
    // (a retokenized text can run past maxTokens) stay unpaid, and 8 of them fill the channel's credit window, after
    // which one shared channel gets only CREDIT_LIMIT refusals (no evidence either way): that, not re-scoring, was
    // the "2 of 10 never flagged" of session 5.
    const t = await auditTarget(new ImpostorEngine(inner, honest.model, careful ? retokenizeAs(honest) : undefined), honest.model.sha256);
    const {bundle: b} = await runAudit({provider: t.provider, ask: t.ask, scorer: honest, challenges: 20, stopAfterFailures: 1});
    await t.rig.close();
    const n = b.summary.failures > 0 ? b.challenges.length : Infinity;
    row.challengesToFlag.push(n);
    if (n <= 5) row.flaggedWithin5++;
    if (b.summary.failures > 0) row.reasons.push(b.challenges.at(-1)!.verdict.reason.slice(0, 160));
  }
  detection[label] = row;
  console.log(`detection: ${label} flagged within 5 challenges in ${row.flaggedWithin5}/${trials} trials; challenges to flag ${row.challengesToFlag.join(', ')}`);
  await inner.dispose();
}

// --- 3. cost of re-scoring a 256-token answer
const gen: number[] = [];
const score: number[] = [];
const scoreSampled: number[] = [];
let tokens = 0;
for (let i = 0; i < rounds; i++) {
  const prompt = `Once upon a time, story ${i + 1} began with a little dog.`;
  const ids: number[] = [];
  const g0 = performance.now();
  for await (const e of honest.generate({prompt, maxTokens: 256, temperature: 0})) if (e.type === 'done') ids.push(...(e.trace?.outputTokenIds ?? []));
  gen.push(performance.now() - g0);
  tokens = ids.length;
  const s0 = performance.now();
  await honest.score({prompt, outputTokenIds: ids, listSize: 40});
  score.push(performance.now() - s0);
  const s1 = performance.now();
  await honest.score({prompt, outputTokenIds: ids, listSize: 0});
  scoreSampled.push(performance.now() - s1);
}
const cost = {
  tokens,
  generateMs: median(gen),
  rescoreMs: median(score),
  rescoreFullVocabularyMs: median(scoreSampled),
  ratio: median(score) / median(gen),
  ratioFullVocabulary: median(scoreSampled) / median(gen),
  backend: honest.backend,
};
console.log(`cost: generating ${tokens} tokens ${cost.generateMs.toFixed(1)} ms, re-scoring ${cost.rescoreMs.toFixed(1)} ms (top-40 lists) / ${cost.rescoreFullVocabularyMs.toFixed(1)} ms (whole vocabulary): ratio ${cost.ratio.toFixed(3)} / ${cost.ratioFullVocabulary.toFixed(3)}`);
await honest.dispose();
emitResult('audit', {model: path.basename(storiesPath), threads, calibration, detection, cost});
