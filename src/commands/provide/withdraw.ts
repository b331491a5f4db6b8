import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {askPassword} from '../../cli/prompts.js';

export default class ProvideWithdraw extends BaseCommand<typeof ProvideWithdraw> {
  static override description = 'Take your stake back after unbonding (the registration is deleted)';
  static override flags = {wallet: sharedFlags.wallet};

  async run(): Promise<{stake: string; balance: string}> {
    const settings = await this.settings();
    const {WalletStore} = await import('../../wallet/store.js');
    const wallet = new WalletStore().resolveName(this.flags.wallet, settings.get('wallet') || undefined);
    const setup = await import('../../provider/setup.js');
    const access = await setup.openRegistryAccess(settings, {wallet, password: await askPassword({message: `Password for wallet "${wallet}":`})});
    const {withdrawStake} = await import('../../provider/registration.js');
    const {formatTon} = await import('../../chain/units.js');
    const {stake} = await this.spin('Withdrawing the stake', withdrawStake(access));
    const balance = formatTon(await access.client.balance(access.sender.address));
    this.log(`withdrew ${formatTon(stake)} TON; wallet balance ${balance} TON`);
    return {stake: formatTon(stake), balance};
  }
}
