import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {askPassword, confirmAction} from '../../cli/prompts.js';
import {CocoonError} from '../../errors.js';

export default class WalletSend extends BaseCommand<typeof WalletSend> {
  static override description = 'Send TON from one of your wallets and wait until it lands';
  static override examples = ['<%= config.bin %> wallet send 0QCx…9aZ 1.5 --wallet alice', '<%= config.bin %> wallet send bob 1 --comment "thanks" --yes --json'];
  static override args = {
    to: Args.string({description: 'Destination address, or the name of one of your wallets', required: true}),
    amount: Args.string({description: 'Amount in TON', required: true}),
  };
  static override flags = {
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
    comment: Flags.string({description: 'Text comment attached to the transfer'}),
    bounce: Flags.boolean({description: 'Bounce the money back if the destination cannot take it [default: on for deployed contracts, off for fresh wallets]', allowNo: true}),
  };

  async run(): Promise<{from: string; to: string; amount: string; fee: string; bounce: boolean; lt: string; hash: string; network: string}> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {parseTon, formatTon} = await import('../../chain/units.js');
    const {WalletStore} = await import('../../wallet/store.js');
    const {resolveAddressOrWallet, unlockWallet} = await import('../../wallet/service.js');
    const store = new WalletStore();
    const amount = parseTon(this.args.amount);
    const to = await resolveAddressOrWallet(this.args.to, store, network);
    const name = store.resolveName(this.flags.wallet, settings.get('wallet') || undefined);
    store.load(name);
    if (!(await confirmAction(`Send ${formatTon(amount)} TON from "${name}" to ${this.args.to} on ${network}?`, {assumeYes: this.flags.yes}))) {
      throw new CocoonError('ABORTED', 'Nothing was sent.');
    }
    const password = await askPassword({message: `Password for wallet "${name}":`});
    const wallet = await unlockWallet(store, name, password);
    const {ChainClient} = await import('../../chain/client.js');
    const {sendTon} = await import('../../wallet/transfer.js');
    const client = await ChainClient.fromSettings(settings);
    const result = await this.spin(
      'Sending and waiting for the transaction',
      sendTon({client, keyPair: wallet, to, amount, comment: this.flags.comment, bounce: this.flags.bounce}),
    );
    this.log(`sent ${formatTon(result.amount)} TON to ${result.to}; fee ${formatTon(result.fee)} TON (tx ${result.hash})`);
    return {...result, amount: formatTon(result.amount), fee: formatTon(result.fee), network};
  }
}
