import type {LeaveView} from '../../app/audit-board.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class AuditWithdraw extends BaseCommand<typeof AuditWithdraw> {
  static override description = 'After `audit leave` and its week: take the stake back (less any rent the reports overran); the reports leave the board';
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<LeaveView> {
    const app = await this.app({wallet: this.flags.wallet});
    const board = await import('../../app/audit-board.js');
    await app.sender(this.flags.wallet);
    const view = await this.spin('Withdrawing the stake', board.withdrawBoard(app, {wallet: this.flags.wallet}));
    this.log(`stake withdrawn; the wallet holds ${view.balance} GRAM`);
    return view;
  }
}
