import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {nodeFlag} from '../../cli/provider-view.js';

export default class ProvideWithdraw extends BaseCommand<typeof ProvideWithdraw> {
  static override description = 'Take a node\'s stake back after unbonding (its registration is deleted)';
  static override flags = {node: nodeFlag(), wallet: sharedFlags.wallet};

  async run(): Promise<{node: string; stake: string; balance: string}> {
    const app = await this.app({wallet: this.flags.wallet});
    const provide = await import('../../app/provide.js');
    const node = provide.nodeName(this.flags.node);
    await app.sender(provide.providerWallet(app, this.flags.wallet, node)); // the password prompt must not run under the spinner
    const result = await this.spin('Withdrawing the stake', provide.withdraw(app, {node}));
    this.log(`withdrew ${result.stake} GRAM; wallet balance ${result.balance} GRAM`);
    return result;
  }
}
