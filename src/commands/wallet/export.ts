import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {askPassword, confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';

export default class WalletExport extends BaseCommand<typeof WalletExport> {
  static override description = 'Show a wallet\'s 24-word mnemonic after a confirmation and its password (the only command that prints a secret)';
  // Never in JSON: machine output gets logged and archived.
  static override enableJsonFlag = false;
  static override args = {name: Args.string({description: 'Wallet name (default: the default wallet)'})};
  static override flags = {yes: sharedFlags.yes};

  async run(): Promise<void> {
    const settings = await this.settings();
    const {WalletStore} = await import('../../wallet/store.js');
    const store = new WalletStore();
    const name = store.resolveName(this.args.name, settings.get('wallet') || undefined);
    store.load(name);
    const question = `Show the mnemonic of "${name}"? Anyone who sees it can take the wallet's funds.`;
    if (!(await confirmAction(question, {assumeYes: this.flags.yes}))) throw new CocoonError('ABORTED', 'Nothing was shown.');
    const password = await askPassword({message: `Password for wallet "${name}":`});
    const {unlockWallet} = await import('../../wallet/service.js');
    const {words} = await unlockWallet(store, name, password);
    this.log(words.join(' '));
  }
}
