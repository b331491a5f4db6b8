import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {CocoonError} from '../../errors.js';

export default class DevnetFund extends BaseCommand<typeof DevnetFund> {
  static override description = 'Send TON from the devnet faucet to an address or a wallet of yours';
  static override examples = ['<%= config.bin %> devnet fund alice 10', '<%= config.bin %> devnet fund 0QCx…9aZ 2.5'];
  static override args = {
    target: Args.string({description: 'Address, or the name of one of your wallets', required: true}),
    amount: Args.string({description: 'Amount in TON', required: true}),
  };

  async run(): Promise<{address: string; amount: string; balance: string; lt: string; hash: string}> {
    const settings = await this.settings();
    if (settings.get('network') !== 'devnet') {
      throw new CocoonError('USAGE', `The faucet exists only on devnet (the network is ${settings.get('network')}).`, {hint: 'Use --network devnet.'});
    }
    const {parseTon, formatTon} = await import('../../chain/units.js');
    const {WalletStore} = await import('../../wallet/store.js');
    const {resolveAddressOrWallet} = await import('../../wallet/service.js');
    const amount = parseTon(this.args.amount);
    const address = await resolveAddressOrWallet(this.args.target, new WalletStore(), 'devnet');
    const {fundFromFaucet} = await import('../../devnet/faucet.js');
    const {formatAddress} = await import('../../chain/wallet-contract.js');
    const url = `http://${settings.get('devnet.host')}:${settings.get('devnet.port')}`;
    const result = await this.spin('Funding', fundFromFaucet({url, address, amount}));
    const shown = formatAddress(address, 'devnet');
    this.log(`sent ${formatTon(amount)} TON to ${shown}; balance ${formatTon(result.balance)} TON`);
    return {address: shown, amount: formatTon(amount), balance: formatTon(result.balance), lt: result.lt, hash: result.hash};
  }
}
