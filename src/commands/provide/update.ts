import {renderRecord} from '../../cli/provider-view.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {offerFlags, resolveOffer} from '../../cli/provider-offer.js';
import {nodeFlag} from '../../cli/provider-view.js';
import {CocoonError} from '../../errors.js';
import type {RecordView} from '../../provider/views.js';

export default class ProvideUpdate extends BaseCommand<typeof ProvideUpdate> {
  static override description = 'Change a node\'s registration: model, prices, capacity or endpoint (unchanged fields keep their values)';
  static override examples = ['<%= config.bin %> provide update --price-completion 0.15', '<%= config.bin %> provide update --model ./new-model.gguf --yes', '<%= config.bin %> provide update --node gpu2 --price-prompt 0.04'];
  static override flags = {...offerFlags, node: nodeFlag(), wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<RecordView> {
    if (this.flags.stake) throw new CocoonError('USAGE', '--stake cannot change on update.', {hint: 'The stake stays as registered.'});
    const app = await this.app({wallet: this.flags.wallet});
    const provide = await import('../../app/provide.js');
    const node = provide.nodeName(this.flags.node);
    const previous = await provide.currentRegistration(app, {node});
    const local = provide.localProvider(app, node);
    const resolved = await resolveOffer(this.flags, {interactive: false, minStake: 0n, previous, previousModelPath: local?.modelPath});
    // Passwords first: a prompt must not run under the spinner.
    await app.nodeKey({node});
    await app.sender(provide.providerWallet(app, this.flags.wallet, node));
    const view = await this.spin('Updating (waiting for the transaction)', provide.update(app, {...resolved, host: this.flags.host ?? local?.host ?? '127.0.0.1', port: this.flags.port ?? local?.port ?? resolved.port}, {node}));
    for (const line of renderRecord(view)) this.log(line);
    return view;
  }
}
