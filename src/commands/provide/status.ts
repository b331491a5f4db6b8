import {Flags} from '@oclif/core';
import type {MachineStatusReport} from '../../app/provide.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {nodeFlag, renderNodeStatus} from '../../cli/provider-view.js';

export default class ProvideStatus extends BaseCommand<typeof ProvideStatus> {
  static override description =
    'Every node of this machine (or one, with --node): registration, live load, queries and tokens served, earnings (claimed and not yet), channels and balance';
  static override examples = ['<%= config.bin %> provide status', '<%= config.bin %> provide status --node gpu2 --json'];
  static override flags = {
    node: nodeFlag('Only this node of this machine [default: every node]'),
    wallet: sharedFlags.wallet,
    endpoint: Flags.string({description: 'Where the node listens [default: as registered from this machine; without --node, applies to the default node]'}),
  };

  async run(): Promise<MachineStatusReport> {
    const app = await this.app();
    const provide = await import('../../app/provide.js');
    const report = await this.spin('Reading the chain', provide.status(app, {node: this.flags.node, wallet: this.flags.wallet, endpoint: this.flags.endpoint}));
    const named = report.nodes.length > 1 || report.nodes.some((n) => n.name !== 'default');
    report.nodes.forEach((node, i) => {
      if (i > 0) this.log('');
      for (const line of renderNodeStatus(node, {named})) this.log(line);
    });
    return report;
  }
}
