import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import type {WalletView} from '../../wallet/service.js';

export default class WalletShow extends BaseCommand<typeof WalletShow> {
  static override description = 'Show a wallet\'s addresses and public key (no password needed, no secret shown)';
  static override args = {name: Args.string({description: 'Wallet name (default: the default wallet)'})};

  async run(): Promise<WalletView> {
    const settings = await this.settings();
    const {WalletStore} = await import('../../wallet/store.js');
    const {walletView} = await import('../../wallet/service.js');
    const store = new WalletStore();
    const name = store.resolveName(this.args.name, settings.get('wallet') || undefined);
    const view = await walletView(store.load(name), settings.get('network'), store.dir + `/${name}.json`);
    this.log(`name        ${view.name}`);
    this.log(`address     ${view.address}  (${view.network})`);
    this.log(`mainnet     ${view.addresses.mainnet}`);
    this.log(`testnet     ${view.addresses.testnet}`);
    this.log(`public key  ${view.publicKey}`);
    this.log(`keystore    ${view.keystore}`);
    return view;
  }
}
