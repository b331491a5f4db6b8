import {Args} from '@oclif/core';
import type {WalletView} from '../../app/wallets.js';
import {BaseCommand} from '../../cli/base-command.js';
import {askPassword, askSecret} from '../../cli/prompts.js';

export default class WalletImport extends BaseCommand<typeof WalletImport> {
  static override description = 'Import a wallet from its 24-word mnemonic (prompted, or COCOON_MNEMONIC; never an argument)';
  static override examples = ['<%= config.bin %> wallet import savings', 'COCOON_MNEMONIC="word1 … word24" COCOON_WALLET_PASSWORD=… <%= config.bin %> wallet import ci'];
  static override args = {name: Args.string({description: 'Wallet name', default: 'default'})};

  async run(): Promise<WalletView> {
    const app = await this.app();
    const {addNewWallet} = await import('../../app/wallets.js');
    const view = await addNewWallet(app, {
      name: this.args.name,
      mnemonic: () => askSecret({message: 'Mnemonic (24 words):', envVar: 'COCOON_MNEMONIC'}),
      password: (name) => askPassword({message: `Password for wallet "${name}":`, confirm: true}),
      spin: (label, work) => this.spin(label, work),
    });
    this.log(`imported wallet "${view.name}"`);
    this.log(`address (${view.network})  ${view.address}`);
    return view;
  }
}
