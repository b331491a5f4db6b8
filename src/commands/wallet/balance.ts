import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';

export default class WalletBalance extends BaseCommand<typeof WalletBalance> {
  static override description = 'Show the balance of a wallet (by name) or of any address';
  static override examples = ['<%= config.bin %> wallet balance', '<%= config.bin %> wallet balance alice --json', '<%= config.bin %> wallet balance 0QCx…9aZ'];
  static override args = {target: Args.string({description: 'Wallet name or address (default: the default wallet)'})};

  async run(): Promise<{address: string; network: string; balance: string; nano: string; state: string}> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {formatTon} = await import('../../chain/units.js');
    const {formatAddress} = await import('../../chain/wallet-contract.js');
    const {WalletStore} = await import('../../wallet/store.js');
    const {resolveAddressOrWallet} = await import('../../wallet/service.js');
    const store = new WalletStore();
    const target = this.args.target ?? store.resolveName(undefined, settings.get('wallet') || undefined);
    const address = await resolveAddressOrWallet(target, store, network);
    const {ChainClient} = await import('../../chain/client.js');
    const client = await ChainClient.fromSettings(settings);
    const state = await this.spin('Reading balance', client.state(address));
    const shown = formatAddress(address, network);
    this.log(`${formatTon(state.balance)} TON  ${shown} (${network}${state.state === 'active' ? '' : `, ${state.state}`})`);
    return {address: shown, network, balance: formatTon(state.balance), nano: state.balance.toString(), state: state.state};
  }
}
