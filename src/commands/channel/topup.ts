import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {findChannel, unlockSender} from '../../cli/consumer.js';
import type {ChannelSummary} from '../../consumer/channel-view.js';

export default class ChannelTopup extends BaseCommand<typeof ChannelTopup> {
  static override description = 'Add TON to a channel';
  static override args = {
    channel: Args.string({description: 'Provider or channel address', required: true}),
    amount: Args.string({description: 'TON to add', required: true}),
  };
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<ChannelSummary> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {parseTon} = await import('../../chain/units.js');
    const {ChannelStore} = await import('../../consumer/channel-store.js');
    const {topUpChannel, viewChannel} = await import('../../consumer/channels.js');
    const {summarizeChannel} = await import('../../consumer/channel-view.js');
    const {ChainClient} = await import('../../chain/client.js');
    const record = await findChannel(new ChannelStore(network), this.args.channel);
    const amount = parseTon(this.args.amount);
    const {sender} = await unlockSender(settings, this.flags.wallet ?? record.wallet);
    const client = await ChainClient.fromSettings(settings);
    await this.spin('Topping up', topUpChannel({client, record, sender, amount}));
    const summary = summarizeChannel(await viewChannel(client, record), network);
    this.log(`${summary.channel}: ${summary.remaining} TON left to spend (${summary.deposited} deposited)`);
    return summary;
  }
}
