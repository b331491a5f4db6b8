import type {LeaveView} from '../../app/audit-board.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class AuditLeave extends BaseCommand<typeof AuditLeave> {
  static override description = 'Stop auditing: no more reports from this wallet; the stake unlocks a week later (`cocoon audit withdraw`)';
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<LeaveView> {
    const app = await this.app({wallet: this.flags.wallet});
    const board = await import('../../app/audit-board.js');
    await app.sender(this.flags.wallet);
    const view = await this.spin('Leaving the audit board', board.leaveBoard(app, {wallet: this.flags.wallet}));
    this.log(`leaving the audit board; the stake unlocks at ${view.unlockAt ?? 'the end of the delay'}`);
    return view;
  }
}
