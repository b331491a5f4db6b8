import {Args} from '@oclif/core';
import type {RegistryShowView} from '../../app/registry.js';
import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';

export default class RegistryShow extends BaseCommand<typeof RegistryShow> {
  static override description = "Show a provider registry: owner, parameters, index and models, records, balances and code hashes";
  static override examples = ['<%= config.bin %> registry show', '<%= config.bin %> registry show EQB…x9 --network testnet --json'];
  static override args = {
    address: Args.string({description: "A registry shard or index address (default: this network's registry: the setting, else the published one, else the devnet's genesis one)"}),
  };

  async run(): Promise<RegistryShowView> {
    const app = await this.app();
    const {showRegistry} = await import('../../app/registry.js');
    const v = await showRegistry(app, {address: this.args.address, spin: (label, work) => this.spin(label, work)});
    const code = (a: {codeHash: string; codeMatches: boolean}) => `${a.codeHash || '-'}${a.codeMatches ? '' : ' (not this CLI\'s code)'}`;
    this.log(`registry   ${v.registry}  (${v.source}, ${v.network})`);
    this.log(`index      ${v.index}${v.indexAccount.active ? '' : ' (not deployed)'}`);
    this.log(`owner      ${v.owner}${v.pendingOwner ? ` (transfer to ${v.pendingOwner} pending)` : ''}`);
    this.log(`params     minimum stake ${v.params.minStake} GRAM, unbonding delay ${v.params.unbondingDelay} s`);
    this.log(`shard      model "${v.shard.model}" #${v.shard.shardIndex}, ${v.shard.count}/${v.shard.capacity} records, ${v.shard.announced ? 'announced' : 'not yet announced'}`);
    this.log(`balance    ${v.shard.balance} GRAM: stakes ${v.shard.totalStaked}, rent reserve ${v.shard.rentReserve}; index ${v.indexAccount.balance} GRAM`);
    this.log(`code       shard ${code(v.shard)}`);
    this.log(`           index ${code(v.indexAccount)}`);
    this.log('');
    this.log(v.models.length === 0 ? 'models     none listed yet' : renderTable(v.models.map((m) => ({model: m.model || '(general)', shards: m.shards}))));
    this.log('');
    this.log(v.records.length === 0 ? 'records    none' : renderTable(v.records.map((r) => ({owner: r.owner, model: r.model, stake: r.stake, status: r.status, 'paid until': r.paidUntil?.slice(0, 10) ?? '-', endpoint: r.endpoint}))));
    return v;
  }
}
