import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {cliSecret, confirmAction} from '../../cli/prompts.js';

export default class WalletExport extends BaseCommand<typeof WalletExport> {
  static override description = 'Show a wallet\'s 24-word mnemonic after a confirmation and its password (the only command that prints a secret)';
  // Never in JSON: machine output gets logged and archived.
  static override enableJsonFlag = false;
  static override args = {name: Args.string({description: 'Wallet name (default: the default wallet)'})};
  static override flags = {yes: sharedFlags.yes};

  async run(): Promise<void> {
    const app = await this.app();
    const {exportMnemonic} = await import('../../app/wallets.js');
    const {words} = await exportMnemonic(app, {
      name: this.args.name,
      confirm: (question) => confirmAction(question, {assumeYes: this.flags.yes}),
      password: (name) => cliSecret({kind: 'wallet', name}),
    });
    this.log(words.join(' '));
  }
}
