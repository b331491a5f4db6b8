import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {askPassword, confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';
import type {RecordView} from '../../provider/views.js';

export default class ProvideUnregister extends BaseCommand<typeof ProvideUnregister> {
  static override description = 'Leave the market: start unbonding your stake (withdraw it with `provide withdraw` after the delay)';
  static override flags = {wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<RecordView> {
    const settings = await this.settings();
    const {WalletStore} = await import('../../wallet/store.js');
    const wallet = new WalletStore().resolveName(this.flags.wallet, settings.get('wallet') || undefined);
    if (!(await confirmAction(`Unregister wallet "${wallet}" (consumers stop choosing you; the stake unbonds)?`, {assumeYes: this.flags.yes}))) {
      throw new CocoonError('ABORTED', 'Still registered.');
    }
    const setup = await import('../../provider/setup.js');
    const access = await setup.openRegistryAccess(settings, {wallet, password: await askPassword({message: `Password for wallet "${wallet}":`})});
    const {unregisterProvider} = await import('../../provider/registration.js');
    const record = await this.spin('Unregistering', unregisterProvider(access));
    const {recordView} = await import('../../provider/views.js');
    const view = recordView(record, settings.get('network'));
    this.log(`unbonding: the stake of ${view.stake} TON unlocks at ${view.unlockAt}; then run \`cocoon provide withdraw\``);
    return view;
  }
}
