import {Flags} from '@oclif/core';
import type {JoinView} from '../../app/audit-board.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class AuditJoin extends BaseCommand<typeof AuditJoin> {
  static override description =
    'Become an auditor: stake on the registry\'s audit board (at least the registry\'s provider minimum, locked a week after you leave) and prepay the rent of your reports. Deploys the board if nobody has';
  static override examples = ['<%= config.bin %> audit join --url https://me.example/cocoon-evidence', '<%= config.bin %> audit join --url http://127.0.0.1:8090 --stake 5 --days 730'];
  static override flags = {
    wallet: sharedFlags.wallet,
    url: Flags.string({description: 'Where you serve your evidence bundles: anyone fetches <url>/<digest>.json to re-verify a report (`cocoon audit serve` serves a folder)', required: true}),
    stake: Flags.string({description: 'GRAM to stake [default: the board\'s minimum]'}),
    days: Flags.integer({description: 'Days of rent to prepay (30 to 3650) [default: 365]', min: 30, max: 3650}),
  };

  async run(): Promise<JoinView> {
    const app = await this.app({wallet: this.flags.wallet});
    const board = await import('../../app/audit-board.js');
    await app.sender(this.flags.wallet); // the password prompt must not run under the spinner
    const view = await this.spin('Joining the audit board', board.joinBoard(app, {wallet: this.flags.wallet, url: this.flags.url, stake: this.flags.stake, days: this.flags.days}));
    this.log(`${view.deployed ? 'deployed the audit board and ' : ''}joined it with a stake of ${view.auditor.stake} GRAM (${view.paid} GRAM sent); rent paid until ${view.auditor.paidUntil.slice(0, 10)}`);
    this.log(`board: ${view.board}`);
    return view;
  }
}
