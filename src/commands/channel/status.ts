import {Args} from '@oclif/core';
import type {ChannelSummary} from '../../app/channels.js';
import {BaseCommand} from '../../cli/base-command.js';

export default class ChannelStatus extends BaseCommand<typeof ChannelStatus> {
  static override description = 'One channel: deposit, spent (signed), claimed by the provider, left, close state';
  static override args = {channel: Args.string({description: 'Provider or channel address', required: true})};

  async run(): Promise<ChannelSummary> {
    const app = await this.app();
    const {channelStatus} = await import('../../app/channels.js');
    const summary = await channelStatus(app, {channel: this.args.channel});
    for (const [k, v] of Object.entries(summary)) this.log(`${k.padEnd(11)} ${v ?? '-'}`);
    return summary;
  }
}
