import {Flags} from '@oclif/core';
import type {StartView} from '../../app/devnet.js';
import {BaseCommand} from '../../cli/base-command.js';
import {waitForStopSignal} from '../../cli/signals.js';

export default class DevnetStart extends BaseCommand<typeof DevnetStart> {
  static override description = 'Start the local devnet: a TON chain on the TVM emulator with a toncenter-compatible API and a faucet';
  static override examples = ['<%= config.bin %> devnet start --detach', '<%= config.bin %> devnet start --port 18600'];
  static override flags = {
    port: Flags.integer({description: 'Port to listen on [default: setting devnet.port, 18545]', min: 1, max: 65_535}),
    host: Flags.string({description: 'Address to listen on [default: 127.0.0.1]. The faucet has no authentication: keep it on loopback.'}),
    detach: Flags.boolean({char: 'd', description: 'Run in the background and return once it answers'}),
  };

  async run(): Promise<StartView> {
    const app = await this.app({settings: {'devnet.port': this.flags.port, 'devnet.host': this.flags.host}});
    const {startDevnet} = await import('../../app/devnet.js');
    const status = await startDevnet(app, {
      detach: this.flags.detach,
      until: waitForStopSignal,
      onListening: (url) => this.log(`devnet listening on ${url}  (JSON-RPC ${url}/jsonRPC); Ctrl-C stops it`),
      onWarning: (message) => this.warn(message),
      spin: (label, work) => this.spin(label, work),
    });
    if (status.alreadyRunning) this.log(`devnet already running at ${status.url} (pid ${status.pid})`);
    else if (this.flags.detach) this.log(`devnet running at ${status.url} (pid ${status.pid}); stop it with \`cocoon devnet stop\``);
    else this.log('devnet stopped; state saved');
    return status;
  }
}
