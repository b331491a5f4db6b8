import type {DevnetStatus} from '../../app/devnet.js';
import {BaseCommand} from '../../cli/base-command.js';

export default class DevnetStatusCommand extends BaseCommand<typeof DevnetStatusCommand> {
  static override description = 'Show whether the devnet runs, where, and its genesis contracts';

  async run(): Promise<DevnetStatus> {
    const {devnetStatus} = await import('../../app/devnet.js');
    const status = await devnetStatus();
    if (status.running && status.info) {
      this.log(`running   ${status.url} (pid ${status.pid})`);
      this.log(`block     ${status.info.seqno}, time ${new Date(status.info.now * 1000).toISOString()}`);
      this.log(`faucet    ${status.info.faucet}`);
      this.log(`manners   ${status.latencyMs ? `${status.latencyMs} ms latency` : 'no latency'}, ${status.rateLimit ? `at most ${status.rateLimit} request(s)/s (429 beyond)` : 'no rate limit'}`);
      for (const [name, address] of Object.entries(status.info.contracts)) this.log(`${name.padEnd(9)} ${address}`);
    } else {
      this.log(`not running${status.hasState ? ' (state kept)' : ''}; start it with \`cocoon devnet start --detach\``);
    }
    this.log(`state     ${status.dir}`);
    return status;
  }
}
