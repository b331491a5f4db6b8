import {Args} from '@oclif/core';
import type {ChannelSummary} from '../../app/channels.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class ChannelTopup extends BaseCommand<typeof ChannelTopup> {
  static override description = 'Add GRAM to a channel';
  static override args = {
    channel: Args.string({description: 'Provider or channel address', required: true}),
    amount: Args.string({description: 'GRAM to add', required: true}),
  };
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<ChannelSummary> {
    const app = await this.app();
    const {topUp} = await import('../../app/channels.js');
    const summary = await topUp(app, {channel: this.args.channel, amount: this.args.amount, wallet: this.flags.wallet, spin: (label, work) => this.spin(label, work)});
    this.log(`${summary.channel}: ${summary.remaining} GRAM left to spend (${summary.deposited} deposited)`);
    return summary;
  }
}
