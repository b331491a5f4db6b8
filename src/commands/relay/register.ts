import {Flags} from '@oclif/core';
import type {RelayRegisterView} from '../../app/relay.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {confirmAction} from '../../cli/prompts.js';
import {nodeFlag} from '../../cli/provider-view.js';
import {CocoonError} from '../../errors.js';

export default class RelayRegister extends BaseCommand<typeof RelayRegister> {
  static override description = [
    'List a relay on chain so providers can find it (`provide register --relay auto`): a registry record of kind 3 under `cocoon/relay`, staked and paying rent like any record.',
    '',
    "The relay's peer id is derived from a node key of this machine (--node, created if missing); serve the listing with `relay start --node` and the same name.",
  ].join('\n');
  static override examples = ['<%= config.bin %> relay register --announce /ip4/203.0.113.7/tcp/4001 --announce /ip4/203.0.113.7/tcp/4002/ws --stake 1 --yes'];
  static override flags = {
    announce: Flags.string({description: 'Public multiaddr the relay is reached at (repeatable; TCP or WebSockets; 127 bytes in all)', multiple: true, required: true}),
    stake: Flags.string({description: 'GRAM to stake [default: the registry minimum]'}),
    node: nodeFlag('Node key the relay identity is derived from [default: relay]'),
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
  };

  async run(): Promise<RelayRegisterView> {
    const app = await this.app({wallet: this.flags.wallet});
    if (!(await confirmAction(`List a relay at ${this.flags.announce.join(', ')} on ${app.network} (a stake and rent)?`, {assumeYes: this.flags.yes, defaultAnswer: true}))) {
      throw new CocoonError('ABORTED', 'Nothing was registered.');
    }
    const {registerRelay} = await import('../../app/relay.js');
    const view = await this.spin('Registering the relay', registerRelay(app, {announce: this.flags.announce, stake: this.flags.stake, node: this.flags.node, wallet: this.flags.wallet}));
    this.log(`relay ${view.peerId} listed (stake ${view.stake} GRAM):`);
    for (const a of view.multiaddrs) this.log(`  ${a}`);
    this.note(`serve it: ${view.start}`);
    return view;
  }
}
