import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';

export default class ProvideClaim extends BaseCommand<typeof ProvideClaim> {
  static override description = 'Claim every unclaimed voucher on chain now (no wallet password needed: payouts always go to your wallet)';

  async run(): Promise<{claims: Array<{channel: string; outcome: string; claimed: string; voucher: string; error?: string}>}> {
    const settings = await this.settings();
    const network = settings.get('network');
    const setup = await import('../../provider/setup.js');
    const {ledgerDir} = await import('../../provider/local-config.js');
    const {FileChannelLedger} = await import('../../provider/file-ledger.js');
    const {Settler} = await import('../../provider/settlement.js');
    const {formatTon} = await import('../../chain/units.js');
    const {client} = await setup.openChain(settings);
    const settler = new Settler({client, ledger: new FileChannelLedger(ledgerDir(network)), threshold: 0n});
    const reports = await this.spin('Claiming', settler.settle({force: true}));
    const claims = reports.map((r) => ({channel: r.channel, outcome: r.outcome, claimed: formatTon(r.paidAfter - r.paidBefore), voucher: formatTon(r.voucher), error: r.error}));
    this.log(claims.length === 0 ? 'no channels yet' : renderTable(claims.map((c) => ({channel: c.channel, outcome: c.outcome, claimed: c.claimed}))));
    if (reports.some((r) => r.outcome === 'failed')) this.warn('Some claims failed; they will be retried by `provide start` or the next `provide claim`.');
    return {claims};
  }
}
