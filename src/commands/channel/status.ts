import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {findChannel} from '../../cli/consumer.js';
import type {ChannelSummary} from '../../consumer/channel-view.js';

export default class ChannelStatus extends BaseCommand<typeof ChannelStatus> {
  static override description = 'One channel: deposit, spent (signed), claimed by the provider, left, close state';
  static override args = {channel: Args.string({description: 'Provider or channel address', required: true})};

  async run(): Promise<ChannelSummary> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {ChannelStore} = await import('../../consumer/channel-store.js');
    const {viewChannel} = await import('../../consumer/channels.js');
    const {summarizeChannel} = await import('../../consumer/channel-view.js');
    const {ChainClient} = await import('../../chain/client.js');
    const record = await findChannel(new ChannelStore(network), this.args.channel);
    const summary = summarizeChannel(await viewChannel(await ChainClient.fromSettings(settings), record), network);
    for (const [k, v] of Object.entries(summary)) this.log(`${k.padEnd(11)} ${v ?? '-'}`);
    return summary;
  }
}
