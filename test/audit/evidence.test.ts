import {createHash} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runAudit} from '../../src/audit/auditor.js';
import {encodeEvidence, parseEvidence, summarizeEvidence, type EvidenceBundle} from '../../src/audit/evidence.js';
import {verifyEvidence} from '../../src/audit/verify.js';
import {createEngine, type LlamaEngine} from '../../src/inference/engine.js';
import {ImpostorEngine, retokenizeAs} from '../helpers/impostor-engine.js';
import {auditTarget, MODELS, type AuditTarget} from './setup.js';

const ready = Boolean(MODELS.stories && MODELS.tiny656k);
const clone = (b: EvidenceBundle): EvidenceBundle => JSON.parse(JSON.stringify(b));

describe.runIf(ready)('evidence bundles: anyone with the model re-verifies them, and a forged one fails', () => {
  let engine: LlamaEngine;
  let impostorInner: LlamaEngine;
  const targets: AuditTarget[] = [];
  let honest: EvidenceBundle;
  let flagged: EvidenceBundle;
  beforeAll(async () => {
    engine = await createEngine({modelPath: MODELS.stories!, gpu: false, threads: 1, parallel: 2, contextSize: 512, name: 'stories260K'});
    impostorInner = await createEngine({modelPath: MODELS.tiny656k!, gpu: false, threads: 1, contextSize: 512, hash: false});
    const good = await auditTarget(engine, engine.model.sha256);
    const bad = await auditTarget(new ImpostorEngine(impostorInner, engine.model, retokenizeAs(engine)), engine.model.sha256);
    targets.push(good, bad);
    honest = (await runAudit({provider: good.provider, ask: good.ask, scorer: engine, challenges: 6})).bundle;
    flagged = (await runAudit({provider: bad.provider, ask: bad.ask, scorer: engine, challenges: 3})).bundle;
  });
  afterAll(async () => {
    for (const t of targets) await t.rig.close();
    await engine?.dispose();
    await impostorInner?.dispose();
  });
  const verify = (b: EvidenceBundle | Buffer) => verifyEvidence(Buffer.isBuffer(b) ? b : encodeEvidence(b), {engine});

  it('has the agreed shape, and its summary and digest are the file’s', () => {
    const bytes = encodeEvidence(honest);
    expect(Object.keys(JSON.parse(bytes.toString()))).toEqual(['v', 'kind', 'provider', 'period', 'challenges', 'summary']);
    expect(Object.keys(honest.challenges[0]!)).toEqual(['request', 'receipt', 'signature', 'tokenIds', 'text', 'verdict']);
    const s = summarizeEvidence(bytes);
    expect(s).toMatchObject({challenges: 6, failures: 0, periodStart: honest.period.start, periodEnd: honest.period.end});
    expect(s.nodeKey.toString('hex')).toBe(honest.provider.nodeKey);
    expect(s.modelHash.toString('hex')).toBe(engine.model.sha256);
    expect(s.digest).toEqual(createHash('sha256').update(bytes).digest());
    expect(summarizeEvidence(honest).digest).toEqual(s.digest);
    // Other bytes for the same JSON are another file: another digest.
    expect(summarizeEvidence(Buffer.from(JSON.stringify(honest))).digest).not.toEqual(s.digest);
  });

  it('a true report verifies, a clean one and a damning one alike', async () => {
    expect(await verify(honest)).toMatchObject({ok: true, problems: [], recomputed: {challenges: 6, failures: 0}});
    const damning = await verify(flagged);
    expect(damning).toMatchObject({ok: true, problems: [], recomputed: {challenges: 3}});
    expect(damning.recomputed.failures).toBeGreaterThan(0);
    expect(flagged.summary.failures).toBe(damning.recomputed.failures);
  });

  it('a false accusation (an honest answer marked failed, the summary to match) is rejected', async () => {
    const forged = clone(honest);
    forged.challenges[2]!.verdict = {ok: false, reason: 'greedy answer: token 3 is rank 2'};
    forged.summary.failures = 1;
    const v = await verify(forged);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.stringMatching(/^challenge 3: stated failed, but re-scoring says it passes/)]);
  });

  it('a whitewash (a failed answer marked passed) is rejected', async () => {
    const forged = clone(flagged);
    for (const c of forged.challenges) c.verdict = {ok: true, reason: 'greedy answer: all tokens are the model’s top choice'};
    forged.summary.failures = 0;
    const v = await verify(forged);
    expect(v.ok).toBe(false);
    expect(v.problems.some((p) => /stated passed, but re-scoring says it fails/.test(p))).toBe(true);
  });

  it('altered token ids, an altered receipt, another node key, wrong counts, a moved period: each rejected', async () => {
    const ids = clone(flagged);
    ids.challenges[0]!.tokenIds = honest.challenges[0]!.tokenIds;
    // A failure framed by swapping the ids: still "failed", but no longer the provider's answer.
    expect((await verify(ids)).problems).toEqual(['challenge 1: the token ids are not the ones the receipt hashes, so it is no evidence']);

    const text = clone(honest);
    text.challenges[0]!.text += ' The end.';
    text.challenges[0]!.verdict = {ok: false, reason: 'the text sent is not what the token ids spell'};
    text.summary.failures = 1;
    expect((await verify(text)).problems).toEqual(['challenge 1: the text is not the one the receipt hashes, so it is no evidence']);

    const prompt = clone(honest);
    const c0 = prompt.challenges[0]!;
    if (c0.request.prompt !== undefined) c0.request.prompt += ' And more';
    else c0.request.messages![c0.request.messages!.length - 1]!.content += ' And more';
    expect((await verify(prompt)).problems).toEqual(['challenge 1: the request is not the one the receipt answers, so it is no evidence']);

    const receipt = clone(honest);
    const bytes = Buffer.from(receipt.challenges[1]!.receipt, 'hex');
    bytes[58] ^= 1; // completion tokens
    receipt.challenges[1]!.receipt = bytes.toString('hex');
    expect((await verify(receipt)).problems).toEqual(["challenge 2: the receipt is not signed by the provider's node key"]);

    const key = clone(flagged);
    key.provider.nodeKey = honest.provider.nodeKey;
    expect((await verify(key)).problems.every((p) => /not signed by the provider's node key/.test(p))).toBe(true);

    const counts = clone(honest);
    counts.summary = {challenges: 7, failures: 0};
    expect((await verify(counts)).problems).toEqual(['the summary counts 7 challenges; the bundle holds 6']);

    const period = clone(honest);
    period.period = {start: honest.period.start - 86_400, end: honest.period.start - 3600};
    expect((await verify(period)).problems.length).toBe(6);

    const doubled = clone(honest);
    doubled.challenges.push(doubled.challenges[0]!);
    doubled.summary.challenges = 7;
    expect((await verify(doubled)).problems).toEqual([expect.stringMatching(/^challenge 7: query [0-9a-f]{32} is counted twice$/)]);
  });

  it('needs the registered model itself, and a well-formed file', async () => {
    await expect(verifyEvidence(encodeEvidence(honest), {engine: {model: {...engine.model, sha256: 'ab'.repeat(32)}, score: engine.score.bind(engine)}})).rejects.toMatchObject({code: 'INVALID_INPUT', message: expect.stringMatching(/the bundle audits/)});
    expect(() => parseEvidence('{"v":1}')).toThrow(/not an audit evidence bundle \(kind/);
    expect(() => parseEvidence('nope')).toThrow(/not JSON/);
  });

  it('verifies offline from the model file alone', async () => {
    const v = await verifyEvidence(encodeEvidence(flagged), {modelPath: MODELS.stories!, threads: 1});
    expect(v).toMatchObject({ok: true, recomputed: {challenges: 3, failures: flagged.summary.failures}});
  });
});
