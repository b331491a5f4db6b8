import {Flags} from '@oclif/core';
import type {RenewView} from '../../app/provide.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {nodeFlag} from '../../cli/provider-view.js';

export default class ProvideRenew extends BaseCommand<typeof ProvideRenew> {
  static override description =
    'Prepay more rent for a node\'s record (registration prepays a year; once it runs out consumers skip the record and, a 30-day grace later, anyone may evict it). `provide status` shows how long is left';
  static override examples = ['<%= config.bin %> provide renew', '<%= config.bin %> provide renew --days 730 --node gpu2'];
  static override flags = {
    node: nodeFlag(),
    wallet: sharedFlags.wallet,
    days: Flags.integer({description: 'Days of rent to add to what is prepaid (at most 10 years prepaid in all) [default: 365]', min: 1, max: 3650}),
  };

  async run(): Promise<RenewView> {
    const app = await this.app({wallet: this.flags.wallet});
    const provide = await import('../../app/provide.js');
    const node = provide.nodeName(this.flags.node);
    await app.sender(provide.providerWallet(app, this.flags.wallet, node)); // the password prompt must not run under the spinner
    const view = await this.spin('Paying rent', provide.renew(app, {node, wallet: this.flags.wallet, days: this.flags.days}));
    this.log(`rent paid until ${view.paidUntil.slice(0, 10)} (was ${view.paidUntilBefore.slice(0, 10)}), ${view.paid} GRAM`);
    return view;
  }
}
