import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';
import type {ChannelSummary} from '../../consumer/channel-view.js';

export default class ChannelList extends BaseCommand<typeof ChannelList> {
  static override description = 'Your payment channels with their on-chain state and what is left to spend';

  async run(): Promise<{channels: ChannelSummary[]}> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {ChannelStore} = await import('../../consumer/channel-store.js');
    const {viewChannel} = await import('../../consumer/channels.js');
    const {summarizeChannel} = await import('../../consumer/channel-view.js');
    const {ChainClient} = await import('../../chain/client.js');
    const records = new ChannelStore(network).list();
    const client = records.length > 0 ? await ChainClient.fromSettings(settings) : undefined;
    const channels: ChannelSummary[] = [];
    for (const record of records) channels.push(summarizeChannel(await viewChannel(client!, record), network));
    this.log(channels.length === 0 ? 'No channels yet (`cocoon ask` opens one when needed).' : renderTable(channels.map((c) => ({provider: c.provider, state: c.state, deposited: c.deposited, spent: c.signed, left: c.remaining}))));
    return {channels};
  }
}
