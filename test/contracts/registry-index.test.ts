// The registry index: shards announce themselves once; the index believes only
// the shard's own address, and lists every model with its shard count.
import {beginCell, toNano} from '@ton/core';
import {Blockchain} from '@ton/sandbox';
import {describe, expect, it} from 'vitest';
import {ExitCode, RegistryOp} from '../../src/chain/contracts/constants.js';
import {RegistryIndex} from '../../src/chain/contracts/registry-index.js';
import {shardIdCell} from '../../src/chain/contracts/registry-codec.js';
import {sampleProfile, T0, TEST_PARAMS} from './fixtures.js';
import {registerWith} from './registry-fixtures.js';

async function setup() {
  const blockchain = await Blockchain.create();
  blockchain.now = T0;
  const owner = await blockchain.treasury('owner');
  const alice = await blockchain.treasury('alice');
  const mallory = await blockchain.treasury('mallory');
  const index = blockchain.openContract(RegistryIndex.createFromConfig({owner: owner.address, params: TEST_PARAMS}));
  await index.sendDeploy(owner.getSender(), toNano('0.1'));
  return {blockchain, owner, alice, mallory, index};
}

describe('registry index', () => {
  it('lists a model once its shards announce themselves, with the shard count', async () => {
    const {blockchain, owner, alice, index} = await setup();
    expect(await index.getModels()).toEqual([]);
    for (const i of [0, 1]) {
      const shard = blockchain.openContract(index.shard('qwen2.5-0.5b', i));
      await shard.sendDeploy(owner.getSender(), toNano('0.05'));
      expect((await shard.getParams()).announceValue).toBe(toNano('0.01'));
      const {result} = await registerWith(shard, alice, {profile: sampleProfile({model: 'qwen2.5-0.5b'})});
      expect(result.transactions).toHaveTransaction({from: shard.address, to: index.address, op: RegistryOp.AnnounceShard, success: true});
      expect((await shard.getParams()).announceValue).toBe(0n);
      // The second registration does not announce again.
      const again = await registerWith(shard, alice, {profile: sampleProfile({model: 'qwen2.5-0.5b'})});
      expect(again.result.transactions).not.toHaveTransaction({to: index.address});
    }
    const other = blockchain.openContract(index.shard('llama-3.2-1b', 0));
    await other.sendDeploy(owner.getSender(), toNano('0.05'));
    await registerWith(other, alice, {profile: sampleProfile({model: 'llama-3.2-1b'})});
    const models = await index.getModels();
    expect(models.sort((a, b) => a.model.localeCompare(b.model))).toEqual([{model: 'llama-3.2-1b', shards: 1}, {model: 'qwen2.5-0.5b', shards: 2}]);
    expect(await index.getModelShards('qwen2.5-0.5b')).toBe(2);
    expect(await index.getModelShards('none')).toBe(0);
  });

  it('refuses an announcement from anything but the shard it names', async () => {
    const {blockchain, owner, mallory, index} = await setup();
    const fake = beginCell().storeUint(RegistryOp.AnnounceShard, 32).storeUint(0, 64).storeRef(shardIdCell('spam', 60000, index.address)).endCell();
    const r = await mallory.send({to: index.address, value: toNano('0.05'), body: fake});
    expect(r.transactions).toHaveTransaction({from: mallory.address, to: index.address, success: false, exitCode: ExitCode.NOT_A_SHARD});
    // A real shard of another registry (another owner) naming this index: refused too.
    const foreign = blockchain.openContract(RegistryIndex.createFromConfig({owner: mallory.address, params: TEST_PARAMS}).shard('spam', 0));
    void foreign;
    const rogue = blockchain.openContract(
      (await import('../../src/chain/contracts/registry.js')).Registry.createFromConfig({owner: mallory.address, params: TEST_PARAMS, model: 'spam', shardIndex: 9, directory: index.address}),
    );
    await rogue.sendDeploy(mallory.getSender(), toNano('0.05'));
    const {result} = await registerWith(rogue, mallory, {profile: sampleProfile({model: 'spam'})});
    expect(result.transactions).toHaveTransaction({from: rogue.address, to: index.address, success: false, exitCode: ExitCode.NOT_A_SHARD});
    expect(await index.getModels()).toEqual([]);
    void owner;
  });
});
