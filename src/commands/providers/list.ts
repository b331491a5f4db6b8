import {Flags} from '@oclif/core';
import type {ProviderRow} from '../../app/providers.js';
import {BaseCommand} from '../../cli/base-command.js';
import {providerFilterFlags} from '../../cli/consumer.js';
import {renderTable} from '../../cli/render.js';

export default class ProvidersList extends BaseCommand<typeof ProvidersList> {
  static override description = 'Providers in the on-chain registry, audited and cheapest first, with prices, stake, capacity, audit standing and liveness (nodes flagged by independent auditors are left out unless --include-flagged)';
  static override examples = ['<%= config.bin %> providers list', '<%= config.bin %> providers list --arch llama --max-price 0.5 --json'];
  static override flags = {
    ...providerFilterFlags,
    'no-check': Flags.boolean({description: 'Skip the liveness check (no request to any provider)'}),
  };

  async run(): Promise<{providers: ProviderRow[]}> {
    const app = await this.app();
    const {listProviders} = await import('../../app/providers.js');
    const check = !this.flags['no-check'];
    const {providers} = await listProviders(app, {
      filter: {architecture: this.flags.arch, model: this.flags.model, maxPrice: this.flags['max-price'], includeFlagged: this.flags['include-flagged'], allowUnaudited: this.flags['allow-unaudited']},
      check,
      spin: (label, work) => this.spin(label, work),
    });
    const status = (p: ProviderRow) => (!check ? '-' : p.live ? `live ${p.latencyMs} ms, load ${p.load!.active}/${p.load!.parallel}` : `down: ${p.down}`);
    const rows = providers.map((p) => ({provider: p.provider, model: `${p.model} [${p.architecture}]${p.kind === 'embeddings' ? ' embeddings' : ''}`, 'GRAM/1M in/out': `${p.pricePrompt}/${p.priceCompletion}`, stake: p.stake, 'q/day': p.queriesPerDay, audit: p.auditLabel, status: status(p)}));
    this.log(providers.length === 0 ? 'No provider matches.' : renderTable(rows));
    return {providers};
  }
}
