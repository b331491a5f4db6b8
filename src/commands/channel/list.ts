import type {ChannelSummary} from '../../app/channels.js';
import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';

export default class ChannelList extends BaseCommand<typeof ChannelList> {
  static override description = 'Your payment channels with their on-chain state and what is left to spend';

  async run(): Promise<{channels: ChannelSummary[]}> {
    const app = await this.app();
    const {listChannels} = await import('../../app/channels.js');
    const {channels} = await listChannels(app);
    this.log(channels.length === 0 ? 'No channels yet (`cocoon ask` opens one when needed).' : renderTable(channels.map((c) => ({provider: c.provider, state: c.state, deposited: c.deposited, spent: c.signed, left: c.remaining}))));
    return {channels};
  }
}
