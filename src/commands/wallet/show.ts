import {Args} from '@oclif/core';
import type {WalletView} from '../../app/wallets.js';
import {BaseCommand} from '../../cli/base-command.js';

export default class WalletShow extends BaseCommand<typeof WalletShow> {
  static override description = 'Show a wallet\'s addresses and public key (no password needed, no secret shown)';
  static override args = {name: Args.string({description: 'Wallet name (default: the default wallet)'})};

  async run(): Promise<WalletView> {
    const app = await this.app();
    const {showWallet} = await import('../../app/wallets.js');
    const view = await showWallet(app, {name: this.args.name});
    this.log(`name        ${view.name}`);
    this.log(`address     ${view.address}  (${view.network})`);
    this.log(`mainnet     ${view.addresses.mainnet}`);
    this.log(`testnet     ${view.addresses.testnet}`);
    this.log(`public key  ${view.publicKey}`);
    this.log(`keystore    ${view.keystore}`);
    return view;
  }
}
