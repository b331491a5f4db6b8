import {Args} from '@oclif/core';
import type {WalletView} from '../../app/wallets.js';
import {BaseCommand} from '../../cli/base-command.js';
import {askPassword} from '../../cli/prompts.js';

export default class WalletCreate extends BaseCommand<typeof WalletCreate> {
  static override description = 'Create a new TON wallet (v5r1) with a fresh 24-word mnemonic, encrypted in the keystore';
  static override examples = ['<%= config.bin %> wallet create alice', 'COCOON_WALLET_PASSWORD=… <%= config.bin %> wallet create ci --json'];
  static override args = {name: Args.string({description: 'Wallet name', default: 'default'})};

  async run(): Promise<WalletView> {
    const app = await this.app();
    const {addNewWallet} = await import('../../app/wallets.js');
    const view = await addNewWallet(app, {
      name: this.args.name,
      password: (name) => askPassword({message: `Password for wallet "${name}":`, confirm: true}),
      spin: (label, work) => this.spin(label, work),
    });
    this.log(`created wallet "${view.name}"`);
    this.log(`address (${view.network})  ${view.address}`);
    this.log('Back up its mnemonic now with `cocoon wallet export ' + view.name + '`: without it, a lost keystore or password loses the funds.');
    return view;
  }
}
