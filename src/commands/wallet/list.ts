import type {WalletListView} from '../../app/wallets.js';
import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';

export default class WalletList extends BaseCommand<typeof WalletList> {
  static override description = 'List your wallets with their addresses on the selected network';

  async run(): Promise<WalletListView> {
    const app = await this.app();
    const {listWallets} = await import('../../app/wallets.js');
    const view = await listWallets(app);
    this.log(
      view.wallets.length === 0
        ? 'No wallets yet: create one with `cocoon wallet create`.'
        : renderTable(view.wallets.map((w) => ({name: w.name + (w.default ? ' *' : ''), [`address (${view.network})`]: w.address ?? `unreadable: ${w.error}`}))),
    );
    return view;
  }
}
