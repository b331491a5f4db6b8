import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {offerFlags, resolveOffer} from '../../cli/provider-offer.js';
import {askPassword} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';
import type {RecordView} from '../../provider/views.js';

export default class ProvideUpdate extends BaseCommand<typeof ProvideUpdate> {
  static override description = 'Change your registration: model, prices, capacity, endpoint or node key (unchanged fields keep their values)';
  static override examples = ['<%= config.bin %> provide update --price-completion 0.15', '<%= config.bin %> provide update --model ./new-model.gguf --yes'];
  static override flags = {...offerFlags, wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<RecordView> {
    const settings = await this.settings();
    const network = settings.get('network');
    if (this.flags.stake) throw new CocoonError('USAGE', '--stake cannot change on update.', {hint: 'The stake stays as registered.'});
    const {WalletStore} = await import('../../wallet/store.js');
    const wallet = new WalletStore().resolveName(this.flags.wallet, settings.get('wallet') || undefined);
    const setup = await import('../../provider/setup.js');
    const {getRegistration, buildProfile, updateProvider} = await import('../../provider/registration.js');
    const {readProviderConfig, writeProviderConfig} = await import('../../provider/local-config.js');
    const chain = await setup.openChain(settings);
    const previous = await getRegistration(chain.client, chain.registry, await setup.walletAddress(settings, wallet));
    if (!previous) throw new CocoonError('NOT_FOUND', 'This wallet has no registration.', {hint: 'Register first with `cocoon provide register`.'});
    const local = readProviderConfig(network);
    const resolved = await resolveOffer(this.flags, {interactive: false, minStake: 0n, previous, previousModelPath: local?.modelPath});
    setup.requireNodeKey();
    const node = await setup.loadOrCreateNodeKey(await askPassword({message: 'Password for the provider node key:', envVar: 'COCOON_NODE_PASSWORD'}));
    const access = await setup.openRegistryAccess(settings, {wallet, password: await askPassword({message: `Password for wallet "${wallet}":`})});
    const record = await this.spin('Updating (waiting for the transaction)', updateProvider(access, {profile: buildProfile(resolved.offer, node.key)}));
    writeProviderConfig({version: 1, network, wallet, modelPath: resolved.modelPath, host: this.flags.host ?? local?.host ?? '127.0.0.1', port: this.flags.port ?? local?.port ?? resolved.port, endpoint: resolved.offer.endpoint});
    const {recordView, renderRecord} = await import('../../provider/views.js');
    const view = recordView(record, network);
    for (const line of renderRecord(view)) this.log(line);
    return view;
  }
}
