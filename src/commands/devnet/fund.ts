import {Args} from '@oclif/core';
import type {FundView} from '../../app/devnet.js';
import {BaseCommand} from '../../cli/base-command.js';

export default class DevnetFund extends BaseCommand<typeof DevnetFund> {
  static override description = 'Send GRAM from the devnet faucet to an address or a wallet of yours';
  static override examples = ['<%= config.bin %> devnet fund alice 10', '<%= config.bin %> devnet fund 0QCx…9aZ 2.5'];
  static override args = {
    target: Args.string({description: 'Address, or the name of one of your wallets', required: true}),
    amount: Args.string({description: 'Amount in GRAM', required: true}),
  };

  async run(): Promise<FundView> {
    const app = await this.app();
    const {fundDevnet} = await import('../../app/devnet.js');
    const view = await fundDevnet(app, {target: this.args.target, amount: this.args.amount, spin: (label, work) => this.spin(label, work)});
    this.log(`sent ${view.amount} GRAM to ${view.address}; balance ${view.balance} GRAM`);
    return view;
  }
}
