import {Flags} from '@oclif/core';
import {renderRecord} from '../../cli/provider-view.js';
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
    const app = await this.app();
    const provide = await import('../../app/provide.js');
    const report = await this.spin('Reading the chain', provide.status(app, {wallet: this.flags.wallet, endpoint: this.flags.endpoint}));
    this.log(`wallet     ${report.wallet.address}  ${report.wallet.balance} GRAM`);
    if (report.registration) for (const line of renderRecord(report.registration)) this.log(line);
    else this.log('not registered (`cocoon provide register`)');
    const n = report.node;
    this.log(n.running ? `node       running at ${n.endpoint}: ${n.load?.active} active, ${n.load?.queued} queued; ${n.queries} queries, ${n.promptTokens} prompt + ${n.completionTokens} completion tokens served` : 'node       not running');
    this.log(`earned     ${report.earnings.earned} GRAM (claimed ${report.earnings.claimed}, not yet ${report.earnings.unclaimed})`);
    const refused = n.refusedForWaivers ? `; ${n.refusedForWaivers} queries refused for too many waivers` : '';
    this.log(`waived     ${report.waived} charges declined by consumers as never received${refused}`);
    if (report.channels.length > 0) this.log(renderTable(report.channels.map((c) => ({channel: c.channel, state: c.state, deposit: c.deposit, earned: c.voucher, claimed: c.claimed, waived: String(c.waived)}))));
    return report;
  }
}
