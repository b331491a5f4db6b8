import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {askPassword, askSecret} from '../../cli/prompts.js';
import type {WalletView} from '../../wallet/service.js';

export default class WalletImport extends BaseCommand<typeof WalletImport> {
  static override description = 'Import a wallet from its 24-word mnemonic (prompted, or COCOON_MNEMONIC; never an argument)';
  static override examples = ['<%= config.bin %> wallet import savings', 'COCOON_MNEMONIC="word1 … word24" COCOON_WALLET_PASSWORD=… <%= config.bin %> wallet import ci'];
  static override args = {name: Args.string({description: 'Wallet name', default: 'default'})};

  async run(): Promise<WalletView> {
    const network = await this.network();
    const {WalletStore} = await import('../../wallet/store.js');
    const {addWallet} = await import('../../wallet/service.js');
    const store = new WalletStore();
    store.assertAvailable(this.args.name);
    const mnemonic = await askSecret({message: 'Mnemonic (24 words):', envVar: 'COCOON_MNEMONIC'});
    const password = await askPassword({message: `Password for wallet "${this.args.name}":`, confirm: true});
    const view = await this.spin('Encrypting keystore', addWallet({store, name: this.args.name, password, mnemonic, network}));
    this.log(`imported wallet "${view.name}"`);
    this.log(`address (${network})  ${view.address}`);
    return view;
  }
}
