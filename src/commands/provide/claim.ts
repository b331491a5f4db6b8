import type {ClaimView} from '../../app/provide.js';
import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';
import {nodeFlag} from '../../cli/provider-view.js';

export default class ProvideClaim extends BaseCommand<typeof ProvideClaim> {
  static override description = 'Claim every unclaimed voucher on chain now, of every node of this machine or one (no wallet password needed: payouts always go to your wallet)';
  static override flags = {node: nodeFlag('Claim only this node\'s channels [default: every node of this machine]')};

  async run(): Promise<{claims: ClaimView[]}> {
    const app = await this.app();
    const provide = await import('../../app/provide.js');
    const claims = provide.claimViews(await this.spin('Claiming', provide.claimAll(app, {node: this.flags.node})));
    this.log(claims.length === 0 ? 'no channels yet' : renderTable(claims.map((c) => ({channel: c.channel, outcome: c.outcome, claimed: c.claimed}))));
    if (claims.some((c) => c.outcome === 'failed')) this.warn('Some claims failed; they will be retried by `provide start` or the next `provide claim`.');
    return {claims};
  }
}
