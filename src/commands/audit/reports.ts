import {Flags} from '@oclif/core';
import type {ReportsView} from '../../app/audit-board.js';
import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';

export default class AuditReports extends BaseCommand<typeof AuditReports> {
  static override description = 'Auditors and their reports on the registry\'s audit board, with where each node reported on stands';
  static override examples = ['<%= config.bin %> audit reports', '<%= config.bin %> audit reports --node 3f2a --json'];
  static override flags = {
    node: Flags.string({description: 'Only reports on node keys starting with this hex'}),
    auditor: Flags.string({description: 'Only this auditor (wallet address)'}),
  };

  async run(): Promise<ReportsView> {
    const app = await this.app();
    const board = await import('../../app/audit-board.js');
    const view = await this.spin('Reading the audit board', board.listReports(app, {nodeKey: this.flags.node, auditor: this.flags.auditor}));
    if (!view.deployed) {
      this.log(`No audit board yet (${view.board}): nobody has joined. \`cocoon audit join\` deploys it.`);
      return view;
    }
    this.log(view.auditors.length === 0 ? 'No auditors.' : renderTable(view.auditors.map((a) => ({auditor: a.address, status: a.status, stake: a.stake, 'paid until': a.paidUntil.slice(0, 10), reports: a.reports, evidence: a.url}))));
    if (view.reports.length > 0) {
      this.log('');
      this.log(renderTable(view.reports.map((r) => ({node: `${r.nodeKey.slice(0, 16)}…`, auditor: r.auditor, failed: `${r.failures}/${r.challenges}${r.fails ? ' ✗' : ''}`, period: `${r.periodStart.slice(0, 10)}..${r.periodEnd.slice(0, 10)}`, evidence: r.evidenceUrl}))));
      this.log('');
      for (const [key, s] of Object.entries(view.standings)) this.log(`node ${key.slice(0, 16)}… (${s.model}, ${s.owner}): ${s.label}`);
    }
    return view;
  }
}
