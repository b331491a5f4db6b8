import {Flags} from '@oclif/core';
import type {RelayView} from '../../app/relay.js';
import {BaseCommand} from '../../cli/base-command.js';
import {waitForStopSignal} from '../../cli/signals.js';

export default class RelayStart extends BaseCommand<typeof RelayStart> {
  static override description = [
    'Run a libp2p circuit relay (v2) that providers behind NAT reserve and consumers reach them through. It forwards Noise ciphertext only.',
    '',
    'Binds loopback unless --listen says otherwise. Prints the multiaddrs providers pass to `provide register --relay`; with --json, one JSON line as soon as it listens.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> relay start',
    '<%= config.bin %> relay start --listen /ip4/0.0.0.0/tcp/4001 --listen /ip4/0.0.0.0/tcp/4002/ws --announce /ip4/203.0.113.7/tcp/4001 --max-reservations 256',
  ];
  static override flags = {
    listen: Flags.string({description: 'Multiaddr to listen on (repeatable) [default: /ip4/127.0.0.1/tcp/0 and /ip4/127.0.0.1/tcp/0/ws]', multiple: true}),
    announce: Flags.string({description: 'Multiaddr to announce instead of the listening ones (a public address or DNS name; repeatable) [default: the listening ones]', multiple: true}),
    'max-reservations': Flags.integer({description: 'Providers holding a reservation at once [default: 128]', min: 1}),
    'max-minutes': Flags.integer({description: 'Minutes one relayed connection may stay open; consumers open a fresh one before it runs out [default: 60]', min: 1}),
    'max-mib': Flags.integer({description: 'MiB one relayed connection may carry [default: 256]', min: 1}),
    'circuits-per-minute': Flags.integer({description: 'Relayed connections one peer may open per minute [default: 120]', min: 1}),
    node: Flags.string({description: 'Keep the peer id derived from this node key (the one `relay register --node` listed on chain) [default: a fresh identity each start]', helpValue: 'NAME'}),
  };

  async run(): Promise<RelayView & {stopped: true}> {
    const {startAppRelay, relayView} = await import('../../app/relay.js');
    const app = this.flags.node ? await this.app() : undefined;
    const relay = await startAppRelay({
      node: this.flags.node,
      listen: this.flags.listen,
      announce: this.flags.announce,
      maxReservations: this.flags['max-reservations'],
      maxMinutes: this.flags['max-minutes'],
      maxMiB: this.flags['max-mib'],
      circuitsPerMinute: this.flags['circuits-per-minute'],
    }, app);
    const view = relayView(relay);
    // A relay runs until stopped: scripts need its addresses now, not at exit.
    if (this.jsonEnabled()) process.stdout.write(JSON.stringify(view) + '\n');
    this.log(`relay ${view.peerId} listening on (pass one to \`cocoon provide register --relay\`):`);
    for (const a of view.multiaddrs) this.log(`  ${a}`);
    this.log(`limits: ${view.limits.maxReservations} reservations, ${view.limits.connectionDurationMs / 60_000} min and ${Number(BigInt(view.limits.connectionDataBytes) / 1048576n)} MiB per relayed connection, ${view.limits.circuitsPerMinutePerPeer} circuits a minute per peer`);
    if (!view.public) this.note('loopback only: pass --listen /ip4/0.0.0.0/tcp/4001 (and --announce your public address) to serve the internet');
    const signal = await waitForStopSignal();
    this.note(`${signal}: stopping (reservations end; providers fail over to their other relays)`);
    await relay.stop();
    return {...view, stopped: true};
  }
}
