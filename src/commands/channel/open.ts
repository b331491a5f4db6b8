import {Args, Flags} from '@oclif/core';
import type {ChannelSummary} from '../../app/channels.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class ChannelOpen extends BaseCommand<typeof ChannelOpen> {
  static override description = 'Open a payment channel to a provider with a deposit (`ask` does this by itself when needed)';
  static override examples = ['<%= config.bin %> channel open 0QCx…9aZ --deposit 2'];
  static override args = {provider: Args.string({description: 'Provider wallet address (see `cocoon providers list`)', required: true})};
  static override flags = {
    deposit: Flags.string({description: 'GRAM to deposit [default: setting channel.deposit]'}),
    'close-delay': Flags.integer({description: 'Seconds the provider keeps to claim after you start closing [default: setting channel.closeDelay]', min: 1}),
    wallet: sharedFlags.wallet,
  };

  async run(): Promise<ChannelSummary> {
    const app = await this.app({wallet: this.flags.wallet});
    const {openChannelTo} = await import('../../app/channels.js');
    const summary = await openChannelTo(app, {provider: this.args.provider, deposit: this.flags.deposit, closeDelay: this.flags['close-delay'], spin: (label, work) => this.spin(label, work)});
    this.log(`opened ${summary.channel} to ${summary.provider}: ${summary.deposited} GRAM deposited`);
    return summary;
  }
}
