// An audited provider in process on a real loopback socket (the protocol rig), and the
// auditor's side: a ProviderClient that pays from the rig's channel, as ask() would.
import {sharedModel} from '../helpers/models.js';
import type {AuditAnswer, AuditedProvider} from '../../src/audit/auditor.js';
import type {ChallengeRequest} from '../../src/audit/challenge.js';
import type {InferenceEngine} from '../../src/inference/types.js';
import {CHANNEL, MAX_PRICE, startRig, type Rig} from '../protocol/setup.js';

/** The shared models these tests need; they are real GGUFs, so the tests run where COCOON_TEST_MODELS has them. */
export const MODELS = {
  stories: sharedModel('stories260K.gguf'),
  tiny656k: sharedModel('TinyStories-656K-Q8_0.gguf'),
  random: sharedModel('llama-2-tiny-random.gguf'),
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A provider serving `engine`, registered (as far as the auditor knows) with `modelHash`. */
export interface AuditTarget {
  rig: Rig;
  provider: AuditedProvider;
  ask: (c: ChallengeRequest) => Promise<AuditAnswer>;
}

export async function auditTarget(engine: InferenceEngine, modelHash: string): Promise<AuditTarget> {
  const rig = await startRig({engine, maxTokens: 512});
  const client = rig.client({provider: {x25519PublicKey: rig.nodeKey.x25519PublicKey, ed25519PublicKey: rig.nodeKey.ed25519PublicKey, modelHash: Buffer.from(modelHash, 'hex')}});
  return {
    rig,
    provider: {owner: CHANNEL.toRawString(), nodeKey: hex(rig.nodeKey.ed25519PublicKey), model: engine.model.name, modelHash},
    ask: async (c) => {
      const r = await client.query({model: c.model, prompt: c.prompt, messages: c.messages, maxTokens: c.maxTokens, maxPrice: MAX_PRICE, params: c.params}).result();
      return {text: r.text, tokenIds: r.tokenIds, receipt: {bytes: hex(r.receipt.bytes), signature: hex(r.receipt.signature)}};
    },
  };
}
