import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {renderTable} from '../../cli/render.js';
import type {ProviderStatusReport} from '../../provider/status.js';

export default class ProvideStatus extends BaseCommand<typeof ProvideStatus> {
  static override description = 'Your registration, live load, queries and tokens served, earnings (claimed and not yet), channels and balance';
  static override flags = {
    wallet: sharedFlags.wallet,
    endpoint: Flags.string({description: 'Where the node listens [default: as registered from this machine]'}),
  };

  async run(): Promise<ProviderStatusReport> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {readProviderConfig, ledgerDir} = await import('../../provider/local-config.js');
    const local = readProviderConfig(network);
    const {WalletStore} = await import('../../wallet/store.js');
    const wallet = this.flags.wallet ?? local?.wallet ?? new WalletStore().resolveName(undefined, settings.get('wallet') || undefined);
    const setup = await import('../../provider/setup.js');
    const chain = await setup.openChain(settings);
    const {providerStatus} = await import('../../provider/status.js');
    const endpoint = this.flags.endpoint ?? (local ? `http://${local.host === '0.0.0.0' ? '127.0.0.1' : local.host}:${local.port}` : undefined);
    const report = await this.spin('Reading the chain', providerStatus({...chain, network, wallet: await setup.walletAddress(settings, wallet), ledgerDir: ledgerDir(network), endpoint}));
    this.log(`wallet     ${report.wallet.address}  ${report.wallet.balance} TON`);
    if (report.registration) {
      const {renderRecord} = await import('../../provider/views.js');
      for (const line of renderRecord(report.registration)) this.log(line);
    } else this.log('not registered (`cocoon provide register`)');
    const n = report.node;
    this.log(n.running ? `node       running at ${n.endpoint}: ${n.load?.active} active, ${n.load?.queued} queued; ${n.queries} queries, ${n.promptTokens} prompt + ${n.completionTokens} completion tokens served` : 'node       not running');
    this.log(`earned     ${report.earnings.earned} TON (claimed ${report.earnings.claimed}, not yet ${report.earnings.unclaimed})`);
    if (report.channels.length > 0) this.log(renderTable(report.channels.map((c) => ({channel: c.channel, state: c.state, deposit: c.deposit, earned: c.voucher, claimed: c.claimed}))));
    return report;
  }
}
