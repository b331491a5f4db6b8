import {Flags} from '@oclif/core';
import type {StartView} from '../../app/devnet.js';
import {BaseCommand} from '../../cli/base-command.js';
import {waitForStopSignal} from '../../cli/signals.js';

/** "100 ms latency, 1 request/s" for the log line. */
function describeManners(status: {latencyMs?: number; rateLimit?: number}): string {
  const parts = [];
  if (status.latencyMs) parts.push(`${status.latencyMs} ms latency`);
  if (status.rateLimit) parts.push(`at most ${status.rateLimit} request${status.rateLimit === 1 ? '' : 's'}/s`);
  return parts.join(', ');
}

export default class DevnetStart extends BaseCommand<typeof DevnetStart> {
  static override description = 'Start the local devnet: a TON chain on the TVM emulator with a toncenter-compatible API and a faucet';
  static override examples = [
    '<%= config.bin %> devnet start --detach',
    '<%= config.bin %> devnet start --port 18600',
    '<%= config.bin %> devnet start --detach --latency 100 --rate-limit 1   # like toncenter without an API key',
  ];
  static override flags = {
    port: Flags.integer({description: 'Port to listen on [default: setting devnet.port, 18545]', min: 1, max: 65_535}),
    host: Flags.string({description: 'Address to listen on [default: 127.0.0.1]. The faucet has no authentication: keep it on loopback.'}),
    detach: Flags.boolean({char: 'd', description: 'Run in the background and return once it answers'}),
    latency: Flags.integer({description: 'Milliseconds added to every JSON-RPC answer, like a real network round trip [default: 0]', min: 0, max: 60_000}),
    'rate-limit': Flags.integer({
      description: 'JSON-RPC requests per second before answering 429 as toncenter does (toncenter without an API key: 1) [default: 0, unlimited]',
      min: 0,
      max: 100_000,
    }),
  };

  async run(): Promise<StartView> {
    const app = await this.app({settings: {'devnet.port': this.flags.port, 'devnet.host': this.flags.host}});
    const {startDevnet} = await import('../../app/devnet.js');
    const status = await startDevnet(app, {
      detach: this.flags.detach,
      latencyMs: this.flags.latency,
      rateLimit: this.flags['rate-limit'],
      until: waitForStopSignal,
      onListening: (url) => this.log(`devnet listening on ${url}  (JSON-RPC ${url}/jsonRPC); Ctrl-C stops it`),
      onWarning: (message) => this.warn(message),
      spin: (label, work) => this.spin(label, work),
    });
    const manners = status.latencyMs || status.rateLimit ? ` with ${describeManners(status)}` : '';
    if (status.alreadyRunning) this.log(`devnet already running at ${status.url} (pid ${status.pid})${manners}`);
    else if (this.flags.detach) this.log(`devnet running at ${status.url} (pid ${status.pid})${manners}; stop it with \`cocoon devnet stop\``);
    else this.log('devnet stopped; state saved');
    return status;
  }
}
