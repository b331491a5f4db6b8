import {Args, Flags} from '@oclif/core';
import type {SendView} from '../../app/wallets.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {cliSecret, confirmAction} from '../../cli/prompts.js';

export default class WalletSend extends BaseCommand<typeof WalletSend> {
  static override description = 'Send GRAM from one of your wallets and wait until it lands';
  static override examples = ['<%= config.bin %> wallet send 0QCx…9aZ 1.5 --wallet alice', '<%= config.bin %> wallet send bob 1 --comment "thanks" --yes --json'];
  static override args = {
    to: Args.string({description: 'Destination address, or the name of one of your wallets', required: true}),
    amount: Args.string({description: 'Amount in GRAM', required: true}),
  };
  static override flags = {
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
    comment: Flags.string({description: 'Text comment attached to the transfer'}),
    bounce: Flags.boolean({description: 'Bounce the money back if the destination cannot take it [default: on for deployed contracts, off for fresh wallets]', allowNo: true}),
  };

  async run(): Promise<SendView> {
    const app = await this.app({wallet: this.flags.wallet});
    const {sendGram} = await import('../../app/wallets.js');
    const view = await sendGram(app, {
      to: this.args.to,
      amount: this.args.amount,
      comment: this.flags.comment,
      bounce: this.flags.bounce,
      confirm: (question) => confirmAction(question, {assumeYes: this.flags.yes}),
      password: (name) => cliSecret({kind: 'wallet', name}),
      spin: (label, work) => this.spin(label, work),
    });
    if (view.resumed) this.log(`the earlier attempt's transfer of ${view.amount} GRAM to ${view.to} had landed (tx ${view.hash}); nothing was sent again`);
    else this.log(`sent ${view.amount} GRAM to ${view.to}; fee ${view.fee} GRAM (tx ${view.hash})`);
    return view;
  }
}
