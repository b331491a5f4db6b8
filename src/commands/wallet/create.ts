import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {askPassword} from '../../cli/prompts.js';
import type {WalletView} from '../../wallet/service.js';

export default class WalletCreate extends BaseCommand<typeof WalletCreate> {
  static override description = 'Create a new TON wallet (v5r1) with a fresh 24-word mnemonic, encrypted in the keystore';
  static override examples = ['<%= config.bin %> wallet create alice', 'COCOON_WALLET_PASSWORD=… <%= config.bin %> wallet create ci --json'];
  static override args = {name: Args.string({description: 'Wallet name', default: 'default'})};

  async run(): Promise<WalletView> {
    const network = await this.network();
    const {WalletStore} = await import('../../wallet/store.js');
    const {addWallet} = await import('../../wallet/service.js');
    const store = new WalletStore();
    store.assertAvailable(this.args.name);
    const password = await askPassword({message: `Password for wallet "${this.args.name}":`, confirm: true});
    const view = await this.spin('Encrypting keystore', addWallet({store, name: this.args.name, password, network}));
    this.log(`created wallet "${view.name}"`);
    this.log(`address (${network})  ${view.address}`);
    this.log('Back up its mnemonic now with `cocoon wallet export ' + view.name + '`: without it, a lost keystore or password loses the funds.');
    return view;
  }
}
