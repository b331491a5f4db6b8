import {Args} from '@oclif/core';
import type {CloseView} from '../../app/channels.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class ChannelClose extends BaseCommand<typeof ChannelClose> {
  static override description = 'Close a channel: the first run starts the close (the provider may claim until the unlock time); a run after that refunds the rest';
  static override args = {channel: Args.string({description: 'Provider or channel address', required: true})};
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<CloseView> {
    const app = await this.app();
    const {closeStep} = await import('../../app/channels.js');
    const {view, wallet} = await closeStep(app, {channel: this.args.channel, wallet: this.flags.wallet, spin: (label, work) => this.spin(label, work)});
    if (view.action === 'finished') this.log(`closed; ${view.refund} GRAM refunded to wallet "${wallet}"`);
    else if (view.action === 'started') this.log(`closing; the provider may claim until ${view.unlockAt}, then run this again for the refund`);
    else this.log(`still closing: run this again after ${view.unlockAt}`);
    return view;
  }
}
