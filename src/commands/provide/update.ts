import {renderRecord} from '../../cli/provider-view.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {offerFlags, resolveOffer} from '../../cli/provider-offer.js';
import {CocoonError} from '../../errors.js';
import type {RecordView} from '../../provider/views.js';

export default class ProvideUpdate extends BaseCommand<typeof ProvideUpdate> {
  static override description = 'Change your registration: model, prices, capacity, endpoint or node key (unchanged fields keep their values)';
  static override examples = ['<%= config.bin %> provide update --price-completion 0.15', '<%= config.bin %> provide update --model ./new-model.gguf --yes'];
  static override flags = {...offerFlags, wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<RecordView> {
    if (this.flags.stake) throw new CocoonError('USAGE', '--stake cannot change on update.', {hint: 'The stake stays as registered.'});
    const app = await this.app({wallet: this.flags.wallet});
    const provide = await import('../../app/provide.js');
    const previous = await provide.currentRegistration(app);
    const local = provide.localProvider(app);
    const resolved = await resolveOffer(this.flags, {interactive: false, minStake: 0n, previous, previousModelPath: local?.modelPath});
    // Passwords first: a prompt must not run under the spinner.
    await app.nodeKey();
    await app.sender();
    const view = await this.spin('Updating (waiting for the transaction)', provide.update(app, {...resolved, host: this.flags.host ?? local?.host ?? '127.0.0.1', port: this.flags.port ?? local?.port ?? resolved.port}));
    for (const line of renderRecord(view)) this.log(line);
    return view;
  }
}
