import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {nodeFlag} from '../../cli/provider-view.js';
import {confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';
import type {RecordView} from '../../provider/views.js';

export default class ProvideUnregister extends BaseCommand<typeof ProvideUnregister> {
  static override description = 'Take a node off the market: start unbonding its stake (withdraw it with `provide withdraw` after the delay); the wallet\'s other nodes stay registered';
  static override examples = ['<%= config.bin %> provide unregister --yes', '<%= config.bin %> provide unregister --node gpu2 --yes'];
  static override flags = {node: nodeFlag(), wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<RecordView> {
    const app = await this.app({wallet: this.flags.wallet});
    const provide = await import('../../app/provide.js');
    const node = provide.nodeName(this.flags.node);
    const wallet = provide.providerWallet(app, this.flags.wallet, node);
    if (!(await confirmAction(`Unregister node "${node}" of wallet "${wallet}" (consumers stop choosing it; its stake unbonds)?`, {assumeYes: this.flags.yes}))) {
      throw new CocoonError('ABORTED', 'Still registered.');
    }
    await app.sender(wallet); // the password prompt must not run under the spinner
    const view = await this.spin('Unregistering', provide.unregister(app, {node}));
    this.log(`unbonding: the stake of ${view.stake} GRAM unlocks at ${view.unlockAt}; then run \`cocoon provide withdraw${node === 'default' ? '' : ` --node ${node}`}\``);
    return view;
  }
}
