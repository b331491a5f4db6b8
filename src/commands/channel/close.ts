import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {findChannel, unlockSender} from '../../cli/consumer.js';

export default class ChannelClose extends BaseCommand<typeof ChannelClose> {
  static override description = 'Close a channel: the first run starts the close (the provider may claim until the unlock time); a run after that refunds the rest';
  static override args = {channel: Args.string({description: 'Provider or channel address', required: true})};
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<{action: string; unlockAt?: string; refund?: string}> {
    const settings = await this.settings();
    const {ChannelStore} = await import('../../consumer/channel-store.js');
    const {closeChannel} = await import('../../consumer/channels.js');
    const {formatTon} = await import('../../chain/units.js');
    const {ChainClient} = await import('../../chain/client.js');
    const record = await findChannel(new ChannelStore(settings.get('network')), this.args.channel);
    const {sender} = await unlockSender(settings, this.flags.wallet ?? record.wallet);
    const step = await this.spin('Closing', closeChannel({client: await ChainClient.fromSettings(settings), record, sender}));
    const iso = (s: number) => new Date(s * 1000).toISOString();
    if (step.action === 'finished') {
      this.log(`closed; ${formatTon(step.refund)} TON refunded to wallet "${record.wallet}"`);
      return {action: step.action, refund: formatTon(step.refund)};
    }
    this.log(step.action === 'started' ? `closing; the provider may claim until ${iso(step.unlockAt)}, then run this again for the refund` : `still closing: run this again after ${iso(step.unlockAt)}`);
    return {action: step.action, unlockAt: iso(step.unlockAt)};
  }
}
