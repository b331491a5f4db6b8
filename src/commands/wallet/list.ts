import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';

/** One row of `wallet list`. */
interface WalletRow {
  name: string;
  address?: string;
  default: boolean;
  error?: string;
}

export default class WalletList extends BaseCommand<typeof WalletList> {
  static override description = 'List your wallets with their addresses on the selected network';

  async run(): Promise<{network: string; wallets: WalletRow[]}> {
    const settings = await this.settings();
    const network = settings.get('network');
    const {WalletStore} = await import('../../wallet/store.js');
    const {walletView} = await import('../../wallet/service.js');
    const store = new WalletStore();
    const names = store.names();
    const defaultName = settings.get('wallet') || (names.length === 1 ? names[0] : undefined);
    const wallets: WalletRow[] = [];
    for (const entry of store.list()) {
      if ('error' in entry) wallets.push({name: entry.name, default: entry.name === defaultName, error: entry.error});
      else wallets.push({name: entry.name, address: (await walletView(entry.keystore, network, entry.file)).address, default: entry.name === defaultName});
    }
    this.log(
      wallets.length === 0
        ? 'No wallets yet: create one with `cocoon wallet create`.'
        : renderTable(wallets.map((w) => ({name: w.name + (w.default ? ' *' : ''), [`address (${network})`]: w.address ?? `unreadable: ${w.error}`}))),
    );
    return {network, wallets};
  }
}
