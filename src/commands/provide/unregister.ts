import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';
import type {RecordView} from '../../provider/views.js';

export default class ProvideUnregister extends BaseCommand<typeof ProvideUnregister> {
  static override description = 'Leave the market: start unbonding your stake (withdraw it with `provide withdraw` after the delay)';
  static override flags = {wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<RecordView> {
    const app = await this.app({wallet: this.flags.wallet});
    const wallet = app.walletName();
    if (!(await confirmAction(`Unregister wallet "${wallet}" (consumers stop choosing you; the stake unbonds)?`, {assumeYes: this.flags.yes}))) {
      throw new CocoonError('ABORTED', 'Still registered.');
    }
    const provide = await import('../../app/provide.js');
    await app.sender(); // the password prompt must not run under the spinner
    const view = await this.spin('Unregistering', provide.unregister(app));
    this.log(`unbonding: the stake of ${view.stake} GRAM unlocks at ${view.unlockAt}; then run \`cocoon provide withdraw\``);
    return view;
  }
}
