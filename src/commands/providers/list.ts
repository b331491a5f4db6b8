import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {providerFilterFlags} from '../../cli/consumer.js';
import {renderTable} from '../../cli/render.js';

/** One provider as listed. */
interface ProviderRow {
  provider: string;
  model: string;
  architecture: string;
  /** TON per 1M tokens. */
  pricePrompt: string;
  priceCompletion: string;
  stake: string;
  queriesPerDay: number;
  contextSize: number;
  endpoint: string;
  live: boolean;
  latencyMs?: number;
  load?: {active: number; queued: number; parallel: number};
  down?: string;
}

export default class ProvidersList extends BaseCommand<typeof ProvidersList> {
  static override description = 'Providers in the on-chain registry, cheapest first, with prices, stake, capacity and liveness';
  static override examples = ['<%= config.bin %> providers list', '<%= config.bin %> providers list --arch llama --max-price 0.5 --json'];
  static override flags = {
    ...providerFilterFlags,
    'no-check': Flags.boolean({description: 'Skip the liveness check (no request to any provider)'}),
  };

  async run(): Promise<{providers: ProviderRow[]}> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {openChain} = await import('../../provider/setup.js');
    const {discoverProviders, rankProviders} = await import('../../consumer/discovery.js');
    const {formatPricePerMillion, formatTon, parsePricePerMillion} = await import('../../chain/units.js');
    const {formatAddress} = await import('../../chain/wallet-contract.js');
    const chain = await openChain(settings);
    const filter = {
      architecture: this.flags.arch,
      model: this.flags.model,
      maxCompletionPrice: this.flags['max-price'] ? parsePricePerMillion(this.flags['max-price']) : undefined,
    };
    const found = await this.spin('Reading the registry', discoverProviders({...chain, filter, liveness: !this.flags['no-check']}));
    const providers: ProviderRow[] = rankProviders(found).map(({record, live, down}) => ({
      provider: formatAddress(record.owner, network),
      model: record.model,
      architecture: record.architecture,
      pricePrompt: formatPricePerMillion(record.promptPrice),
      priceCompletion: formatPricePerMillion(record.completionPrice),
      stake: formatTon(record.stake),
      queriesPerDay: record.queriesPerDay,
      contextSize: record.contextSize,
      endpoint: record.endpoint,
      live: Boolean(live),
      latencyMs: live?.latencyMs,
      load: live && {active: live.info.load.active, queued: live.info.load.queued, parallel: live.info.load.parallel},
      down,
    }));
    this.log(
      providers.length === 0
        ? 'No provider matches.'
        : renderTable(
            providers.map((p) => ({
              provider: p.provider,
              model: `${p.model} [${p.architecture}]`,
              'TON/1M in/out': `${p.pricePrompt}/${p.priceCompletion}`,
              stake: p.stake,
              'q/day': p.queriesPerDay,
              status: this.flags['no-check'] ? '-' : p.live ? `live ${p.latencyMs} ms, load ${p.load!.active}/${p.load!.parallel}` : `down: ${p.down}`,
            })),
          ),
    );
    return {providers};
  }
}
