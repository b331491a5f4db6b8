import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {CocoonError} from '../../errors.js';
import {waitForStopSignal} from '../../cli/signals.js';
import type {DevnetStatus} from '../../devnet/control.js';

export default class DevnetStart extends BaseCommand<typeof DevnetStart> {
  static override description = 'Start the local devnet: a TON chain on the TVM emulator with a toncenter-compatible API and a faucet';
  static override examples = ['<%= config.bin %> devnet start --detach', '<%= config.bin %> devnet start --port 18600'];
  static override flags = {
    port: Flags.integer({description: 'Port to listen on [default: setting devnet.port, 18545]', min: 1, max: 65_535}),
    host: Flags.string({description: 'Address to listen on [default: 127.0.0.1]. The faucet has no authentication: keep it on loopback.'}),
    detach: Flags.boolean({char: 'd', description: 'Run in the background and return once it answers'}),
  };

  async run(): Promise<DevnetStatus & {alreadyRunning: boolean}> {
    const settings = await this.settings({'devnet.port': this.flags.port, 'devnet.host': this.flags.host});
    const host = settings.get('devnet.host');
    const port = settings.get('devnet.port');
    const control = await import('../../devnet/control.js');
    const current = await control.devnetStatus();
    if (current.running) {
      if (!this.flags.detach) {
        throw new CocoonError('ALREADY_EXISTS', `A devnet is already running at ${current.url} (pid ${current.pid}).`, {hint: 'Stop it with `cocoon devnet stop`.'});
      }
      this.log(`devnet already running at ${current.url} (pid ${current.pid})`);
      return {...current, alreadyRunning: true};
    }
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) this.warn(`Listening on ${host}: anyone who reaches it can use the faucet.`);
    if (this.flags.detach) {
      const status = await this.spin('Starting devnet', control.startDetached({host, port}));
      this.log(`devnet running at ${status.url} (pid ${status.pid}); stop it with \`cocoon devnet stop\``);
      return {...status, alreadyRunning: false};
    }
    const {serveDevnet} = await import('../../devnet/serve.js');
    const {server, stop} = await serveDevnet({host, port});
    this.log(`devnet listening on ${server.url}  (JSON-RPC ${server.url}/jsonRPC); Ctrl-C stops it`);
    await waitForStopSignal();
    const info = server.info();
    await stop();
    this.log('devnet stopped; state saved');
    return {running: false, url: server.url, pid: process.pid, info, dir: control.devnetDir(), hasState: true, alreadyRunning: false};
  }
}
