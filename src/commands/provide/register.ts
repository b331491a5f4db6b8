import type {RecordView} from '../../provider/views.js';
import {renderRecord} from '../../cli/provider-view.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {offerFlags, resolveOffer} from '../../cli/provider-offer.js';
import {nodeFlag} from '../../cli/provider-view.js';
import {confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';

export default class ProvideRegister extends BaseCommand<typeof ProvideRegister> {
  static override description = 'Register as a provider: publish your model, prices, capacity, node keys and stake in the on-chain registry';
  static override examples = [
    '<%= config.bin %> provide register                     # wizard',
    '<%= config.bin %> provide register --model ./qwen2.5-7b-q4_k_m.gguf --stake 5 --price-prompt 0.05 --price-completion 0.2 --endpoint http://203.0.113.7:8740 --yes',
    '<%= config.bin %> provide register --node gpu2 --model ./llama-3.1-8b-q4_k_m.gguf --port 8741 --endpoint http://203.0.113.7:8741 --yes   # a second node, same wallet',
  ];
  static override flags = {...offerFlags, node: nodeFlag(), wallet: sharedFlags.wallet, yes: sharedFlags.yes};

  async run(): Promise<{node: string; record: RecordView; nodeKeyCreated: boolean; endpointReachable: boolean; config: string; samePort: string[]}> {
    const app = await this.app({wallet: this.flags.wallet});
    const wallet = app.walletName();
    const [provide, {formatGram}] = await Promise.all([import('../../app/provide.js'), import('../../cli/format.js')]);
    const node = provide.nodeName(this.flags.node);
    const resolved = await resolveOffer(this.flags, {interactive: !this.flags.yes, minStake: await provide.registryMinStake(app)});
    const summary = `Register node "${node}" serving "${resolved.offer.model}" at ${resolved.offer.endpoint} staking ${formatGram(resolved.stake)} GRAM from wallet "${wallet}" on ${app.network}?`;
    if (!(await confirmAction(summary, {assumeYes: this.flags.yes, defaultAnswer: true}))) throw new CocoonError('ABORTED', 'Nothing was registered.');
    // Passwords first: a prompt must not run under the spinner.
    await app.nodeKey({create: true, node});
    await app.sender();
    const result = await this.spin('Registering (waiting for the transaction)', provide.register(app, resolved, {node}));
    const start = `cocoon provide start${node === 'default' ? '' : ` --node ${node}`}`;
    if (result.samePort.length > 0) {
      const others = result.samePort.map((n) => `"${n}"`).join(', ');
      this.warn(`Node ${others} of this machine also listens on port ${resolved.port}: the two cannot run at once. Move this one with \`cocoon provide update${node === 'default' ? '' : ` --node ${node}`} --port P --endpoint URL\`.`);
    }
    if (!result.endpointReachable) this.warn(`${resolved.offer.endpoint} does not answer yet: consumers cannot reach you until \`${start}\` runs there.`);
    for (const line of renderRecord(result.record)) this.log(line);
    if (result.nodeKeyCreated) this.log(`node key   created at ${result.nodeKeyPath}`);
    this.log(`Next: \`${start}\``);
    return {node: result.node, record: result.record, nodeKeyCreated: result.nodeKeyCreated, endpointReachable: result.endpointReachable, config: result.config, samePort: result.samePort};
  }
}
