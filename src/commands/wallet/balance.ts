import {Args} from '@oclif/core';
import type {BalanceView} from '../../app/wallets.js';
import {BaseCommand} from '../../cli/base-command.js';

export default class WalletBalance extends BaseCommand<typeof WalletBalance> {
  static override description = 'Show the balance of a wallet (by name) or of any address';
  static override examples = ['<%= config.bin %> wallet balance', '<%= config.bin %> wallet balance alice --json', '<%= config.bin %> wallet balance 0QCx…9aZ'];
  static override args = {target: Args.string({description: 'Wallet name or address (default: the default wallet)'})};

  async run(): Promise<BalanceView> {
    const app = await this.app();
    const {walletBalance} = await import('../../app/wallets.js');
    const view = await walletBalance(app, {target: this.args.target, spin: (label, work) => this.spin(label, work)});
    this.log(`${view.balance} GRAM  ${view.address} (${view.network}${view.state === 'active' ? '' : `, ${view.state}`})`);
    return view;
  }
}
