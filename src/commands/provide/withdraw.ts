import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';

export default class ProvideWithdraw extends BaseCommand<typeof ProvideWithdraw> {
  static override description = 'Take your stake back after unbonding (the registration is deleted)';
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<{stake: string; balance: string}> {
    const app = await this.app({wallet: this.flags.wallet});
    const provide = await import('../../app/provide.js');
    await app.sender(); // the password prompt must not run under the spinner
    const result = await this.spin('Withdrawing the stake', provide.withdraw(app));
    this.log(`withdrew ${result.stake} GRAM; wallet balance ${result.balance} GRAM`);
    return result;
  }
}
