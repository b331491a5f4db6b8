// Audits of embedding nodes: challenge texts paid over the real protocol,
// each vector compared with the registered model's own. An honest node
// passes and its bundle re-verifies; a node serving another model, or the
// right model's vectors of other texts, fails; an altered bundle is caught.
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {evidenceSummary} from '../../src/app/audit-board.js';
import {runEmbeddingAudit, verifyEmbeddingEvidence, type EmbedAnswer} from '../../src/audit/embed-audit.js';
import {encodeEvidence, parseAnyEvidence, summarizeEvidence, type EmbeddingEvidenceBundle} from '../../src/audit/evidence.js';
import {createEmbedder, type LlamaEmbedder} from '../../src/inference/embedder.js';
import type {InferenceEngine, PreparedEmbedding} from '../../src/inference/types.js';
import {sharedModel} from '../helpers/models.js';
import {testModel} from '../inference/model.js';
import {MAX_PRICE, startRig, type Rig} from '../protocol/setup.js';

const registered = testModel();
const other = sharedModel('TinyStories-656K-Q8_0.gguf');

/** A seeded source of random integers, so each run draws the same challenge texts. */
function seeded(seed: number) {
  let x = seed;
  return (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  };
}

describe('auditing an embedding node', () => {
  let auditor: LlamaEmbedder;
  const rigs: Rig[] = [];
  const engines: LlamaEmbedder[] = [];
  beforeAll(async () => {
    auditor = await createEmbedder({modelPath: registered, threads: 1, gpu: false, contextSize: 128});
  });
  afterAll(async () => {
    for (const r of rigs) await r.close();
    for (const e of [auditor, ...engines]) await e?.dispose();
  });

  /** A provider on loopback serving `engine`, and the audit's embed() through it. */
  async function node(engine: InferenceEngine): Promise<(input: string[]) => Promise<EmbedAnswer>> {
    const rig = await startRig({engine});
    rigs.push(rig);
    const client = rig.client();
    return async (input) => {
      const r = await client.query({model: engine.model.name, input, maxTokens: 0, maxPrice: MAX_PRICE}).result();
      return {vectors: r.vectors!, receipt: {bytes: Buffer.from(r.receipt.bytes).toString('hex'), signature: Buffer.from(r.receipt.signature).toString('hex')}};
    };
  }
  const provider = (rig = rigs.at(-1)!) => ({owner: `0:${'11'.repeat(32)}`, nodeKey: Buffer.from(rig.nodeKey.ed25519PublicKey).toString('hex'), model: auditor.model.name, modelHash: auditor.model.sha256});

  it('an honest node passes every challenge, and its bundle re-verifies', async () => {
    const served = await createEmbedder({modelPath: registered, threads: 1, gpu: false, hash: false, contextSize: 128});
    engines.push(served);
    const embed = await node(served);
    const {bundle, unanswered} = await runEmbeddingAudit({provider: provider(), embed, reembedder: auditor, challenges: 6, random: seeded(1)});
    expect(unanswered).toEqual([]);
    expect(bundle.summary).toEqual({challenges: 6, failures: 0});
    expect(bundle.challenges.every((c) => c.verdict.ok && c.vectors.length === c.input.length)).toBe(true);
    const bytes = encodeEvidence(bundle);
    const parsed = parseAnyEvidence(bytes) as EmbeddingEvidenceBundle;
    expect(parsed.kind).toBe('cocoon-embedding-evidence');
    expect(summarizeEvidence(bytes)).toMatchObject({challenges: 6, failures: 0});
    // What `audit publish` would send to the board.
    expect(evidenceSummary(bytes)).toMatchObject({model: auditor.model.name, challenges: 6, failures: 0, modelHash: Buffer.from(auditor.model.sha256, 'hex')});
    expect((await verifyEmbeddingEvidence(parsed, auditor)).problems).toEqual([]);

    // Altered after the fact: a vector, or a verdict, no longer stands.
    const tampered = structuredClone(parsed);
    const v = Buffer.from(tampered.challenges[0]!.vectors[0]!, 'base64');
    v.writeFloatBE(v.readFloatBE(0) + 0.5, 0);
    tampered.challenges[0]!.vectors[0] = v.toString('base64');
    tampered.challenges[1]!.verdict = {ok: false, reason: 'framed'};
    const found = (await verifyEmbeddingEvidence(tampered, auditor)).problems;
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/challenge 1: the vectors are not the ones the receipt hashes/), expect.stringMatching(/challenge 2: stated failed, but re-embedding says it passes/)]));
  });

  it('a node that embeds other texts than it was sent (same model, same size) fails', async () => {
    const served = await createEmbedder({modelPath: registered, threads: 1, gpu: false, hash: false, contextSize: 128});
    engines.push(served);
    // A cheat that answers from a cache of unrelated vectors: the right size, the wrong meaning.
    const cheat: InferenceEngine = Object.assign(Object.create(served) as InferenceEngine, {
      embed: async (p: PreparedEmbedding) => served.embed(await served.prepareEmbedding(p.tokenIds.map(() => 'The weather report for tomorrow says rain.'))),
    });
    const {bundle} = await runEmbeddingAudit({provider: provider(), embed: await node(cheat), reembedder: auditor, challenges: 4, random: seeded(2)});
    expect(bundle.summary.failures).toBeGreaterThan(0);
    expect(bundle.challenges.find((c) => !c.verdict.ok)!.verdict.reason).toMatch(/a vector at cosine -?0\.\d+ of the registered model's/);
    expect((await verifyEmbeddingEvidence(bundle, auditor)).problems).toEqual([]);
  });

  it.skipIf(!other)('a node serving another model under the registered hash fails at the first challenge', async () => {
    const served = await createEmbedder({modelPath: other!, threads: 1, gpu: false, hash: false, contextSize: 128, name: auditor.model.name});
    engines.push(served);
    const {bundle} = await runEmbeddingAudit({provider: provider(), embed: await node(served), reembedder: auditor, challenges: 3, stopAfterFailures: 1, random: seeded(3)});
    expect(bundle.summary).toEqual({challenges: 1, failures: 1});
    expect(bundle.challenges[0]!.verdict.reason).toMatch(/vectors of 128 values; the registered model's have 64/);
  });
});
