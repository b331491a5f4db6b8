import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {offerFlags, resolveOffer} from '../../cli/provider-offer.js';
import {askPassword, confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';
import type {RecordView} from '../../provider/views.js';

export default class ProvideRegister extends BaseCommand<typeof ProvideRegister> {
  static override description = 'Register as a provider: publish your model, prices, capacity, node keys and stake in the on-chain registry';
  static override examples = [
    '<%= config.bin %> provide register                     # wizard',
    '<%= config.bin %> provide register --model ./qwen2.5-7b-q4_k_m.gguf --stake 5 --price-prompt 0.05 --price-completion 0.2 --endpoint http://203.0.113.7:8740 --yes',
  ];
  static override flags = {...offerFlags, wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<{record: RecordView; nodeKeyCreated: boolean; endpointReachable: boolean; config: string}> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {WalletStore} = await import('../../wallet/store.js');
    const wallet = new WalletStore().resolveName(this.flags.wallet, settings.get('wallet') || undefined);
    const setup = await import('../../provider/setup.js');
    const chain = await setup.openChain(settings);
    const {Registry} = await import('../../chain/contracts/registry.js');
    const params = await chain.client.call(() => chain.client.ton.open(Registry.createFromAddress(chain.registry)).getParams());
    const resolved = await resolveOffer(this.flags, {interactive: !this.flags.yes, minStake: params.minStake});
    const {formatTon} = await import('../../chain/units.js');
    const summary = `Register "${resolved.offer.model}" at ${resolved.offer.endpoint} staking ${formatTon(resolved.stake)} TON from wallet "${wallet}" on ${network}?`;
    if (!(await confirmAction(summary, {assumeYes: this.flags.yes, defaultAnswer: true}))) throw new CocoonError('ABORTED', 'Nothing was registered.');
    const {nodeKeyPath} = await import('../../crypto/node-key.js');
    const {existsSync} = await import('node:fs');
    const creating = !existsSync(nodeKeyPath());
    const nodePassword = await askPassword({message: creating ? 'New password for this machine\'s provider node key:' : 'Password for the provider node key:', envVar: 'COCOON_NODE_PASSWORD', confirm: creating});
    const node = await setup.loadOrCreateNodeKey(nodePassword);
    const password = await askPassword({message: `Password for wallet "${wallet}":`});
    const access = await setup.openRegistryAccess(settings, {wallet, password});
    const {buildProfile, registerProvider} = await import('../../provider/registration.js');
    const record = await this.spin('Registering (waiting for the transaction)', registerProvider(access, {profile: buildProfile(resolved.offer, node.key), stake: resolved.stake}));
    const {writeProviderConfig} = await import('../../provider/local-config.js');
    const config = writeProviderConfig({version: 1, network, wallet, modelPath: resolved.modelPath, host: resolved.host, port: resolved.port, endpoint: resolved.offer.endpoint});
    const {probeEndpoint} = await import('../../provider/probe.js');
    const endpointReachable = await probeEndpoint(resolved.offer.endpoint);
    if (!endpointReachable) this.warn(`${resolved.offer.endpoint} does not answer yet: consumers cannot reach you until \`cocoon provide start\` runs there.`);
    const {recordView, renderRecord} = await import('../../provider/views.js');
    const view = recordView(record, network);
    for (const line of renderRecord(view)) this.log(line);
    if (node.created) this.log(`node key   created at ${node.path}`);
    this.log('Next: `cocoon provide start`');
    return {record: view, nodeKeyCreated: node.created, endpointReachable, config};
  }
}
