import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {unlockSender} from '../../cli/consumer.js';
import type {ChannelSummary} from '../../consumer/channel-view.js';

export default class ChannelOpen extends BaseCommand<typeof ChannelOpen> {
  static override description = 'Open a payment channel to a provider with a deposit (`ask` does this by itself when needed)';
  static override examples = ['<%= config.bin %> channel open 0QCx…9aZ --deposit 2'];
  static override args = {provider: Args.string({description: 'Provider wallet address (see `cocoon providers list`)', required: true})};
  static override flags = {
    deposit: Flags.string({description: 'TON to deposit [default: setting channel.deposit]'}),
    'close-delay': Flags.integer({description: 'Seconds the provider keeps to claim after you start closing [default: setting channel.closeDelay]', min: 1}),
    wallet: sharedFlags.wallet,
  };

  async run(): Promise<ChannelSummary> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {parseAddress, parseTon} = await import('../../chain/units.js');
    const {ChannelStore} = await import('../../consumer/channel-store.js');
    const {openChannel, viewChannel} = await import('../../consumer/channels.js');
    const {summarizeChannel} = await import('../../consumer/channel-view.js');
    const provider = parseAddress(this.args.provider);
    const deposit = parseTon(this.flags.deposit ?? settings.get('channel.deposit'));
    const {name, sender} = await unlockSender(settings, this.flags.wallet);
    const {ChainClient} = await import('../../chain/client.js');
    const chain = await ChainClient.fromSettings(settings);
    const record = await this.spin('Opening the channel', openChannel({client: chain, store: new ChannelStore(network), sender, walletName: name, provider, deposit, closeDelay: this.flags['close-delay'] ?? settings.get('channel.closeDelay')}));
    const summary = summarizeChannel(await viewChannel(chain, record), network);
    this.log(`opened ${summary.channel} to ${summary.provider}: ${summary.deposited} TON deposited`);
    return summary;
  }
}
