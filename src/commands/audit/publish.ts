import {Args} from '@oclif/core';
import type {PublishView} from '../../app/audit-board.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class AuditPublish extends BaseCommand<typeof AuditPublish> {
  static override description =
    'Publish the summary of an evidence bundle (`cocoon audit run --out FILE`) on the audit board: node, model hash, challenges, failures, period and the bundle\'s SHA-256. Serve the bundle at <your url>/<digest>.json so anyone can re-verify it';
  static override examples = ['<%= config.bin %> audit publish evidence.json'];
  static override args = {file: Args.string({description: 'Evidence bundle written by `cocoon audit run`', required: true})};
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<PublishView> {
    const app = await this.app({wallet: this.flags.wallet});
    const board = await import('../../app/audit-board.js');
    await app.sender(this.flags.wallet);
    const view = await this.spin('Publishing the report', board.publishReport(app, {wallet: this.flags.wallet, evidenceFile: this.args.file}));
    const r = view.report;
    this.log(`${view.replaced ? 'replaced your report' : 'published a report'} on node ${r.nodeKey.slice(0, 16)}…: ${r.failures}/${r.challenges} challenges failed${r.fails ? ' (a failing report)' : ''}; ${view.paid} GRAM sent`);
    this.log(`serve the evidence at ${r.evidenceUrl}`);
    this.log(`the node now stands: ${view.standingLabel}`);
    return view;
  }
}
