import {Flags} from '@oclif/core';
import type {ListedRelayView} from '../../app/relay.js';
import {BaseCommand} from '../../cli/base-command.js';
import {renderTable} from '../../cli/render.js';

export default class RelayList extends BaseCommand<typeof RelayList> {
  static override description = 'Relays listed on chain (`relay register`), largest stake first; each dialed and pinged unless --no-check (live and fastest first)';
  static override examples = ['<%= config.bin %> relay list', '<%= config.bin %> relay list --no-check --json'];
  static override flags = {
    'no-check': Flags.boolean({description: 'Skip dialing the relays'}),
  };

  async run(): Promise<{relays: ListedRelayView[]}> {
    const app = await this.app();
    const {listedRelays} = await import('../../app/relay.js');
    const check = !this.flags['no-check'];
    const relays = await this.spin('Reading the registry', listedRelays(app, {check}));
    const status = (r: ListedRelayView) => (!check ? '-' : r.live ? `live ${r.rttMs} ms` : 'down');
    this.log(relays.length === 0 ? 'No relay is listed.' : renderTable(relays.map((r) => ({relay: r.multiaddrs[0]!, stake: r.stake, owner: r.owner, status: status(r)}))));
    return {relays};
  }
}
