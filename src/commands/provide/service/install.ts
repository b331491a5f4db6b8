import {Flags} from '@oclif/core';
import type {ServiceView} from '../../../app/service.js';
import {BaseCommand} from '../../../cli/base-command.js';
import {sharedFlags} from '../../../cli/flags.js';
import {nodeFlag} from '../../../cli/provider-view.js';
import {serviceFlags} from '../../../cli/service-flags.js';

export default class ProvideServiceInstall extends BaseCommand<typeof ProvideServiceInstall> {
  static override description = [
    'Run a node as a service: a systemd unit (user, or --system) or a launchd agent that starts at boot or login, restarts on failure, and settles every channel when stopped.',
    '',
    'The node key password (COCOON_NODE_PASSWORD, or asked) is checked against the key, then kept in a 0600 file (a systemd credential for --system units); the unit names the file, never the password.',
  ].join('\n');
  static override examples = ['<%= config.bin %> provide service install', '<%= config.bin %> provide service install --node gpu2 --parallel 4', 'sudo -E <%= config.bin %> provide service install --system'];
  static override flags = {
    node: nodeFlag(),
    ...serviceFlags,
    'no-start': Flags.boolean({description: 'Write the unit only; do not enable or start it'}),
    renew: Flags.boolean({description: 'Renew the record\'s rent from the wallet when due (keeps the wallet password in a 0600 file too)'}),
    wallet: sharedFlags.wallet,
    host: Flags.string({description: 'Listen address passed to `provide start`'}),
    port: Flags.integer({description: 'Port passed to `provide start`', min: 0, max: 65_535}),
    parallel: Flags.integer({description: 'Answers generated at once, passed to `provide start`', min: 1, max: 64}),
    threads: Flags.integer({description: 'CPU threads, passed to `provide start`', min: 1}),
    gpu: Flags.string({description: 'GPU backend, passed to `provide start`', options: ['auto', 'cuda', 'vulkan', 'metal', 'off']}),
  };

  async run(): Promise<ServiceView> {
    const app = await this.app({wallet: this.flags.wallet});
    const service = await import('../../../app/service.js');
    const f = this.flags;
    const startArgs = [
      ...(f.host ? ['--host', f.host] : []),
      ...(f.port !== undefined ? ['--port', String(f.port)] : []),
      ...(f.parallel ? ['--parallel', String(f.parallel)] : []),
      ...(f.threads ? ['--threads', String(f.threads)] : []),
      ...(f.gpu ? ['--gpu', f.gpu] : []),
    ];
    const view = await service.installService(app, {node: f.node, platform: f.platform as 'systemd' | 'launchd' | undefined, scope: f.system ? 'system' : 'user', startArgs, noStart: f['no-start'], renew: f.renew, wallet: f.wallet});
    this.log(`wrote ${view.file}${view.started ? ` and started ${view.unit}` : ' (not started: --no-start)'}`);
    for (const [variable, file] of Object.entries(view.secretFiles)) this.log(`${variable} kept in ${file} (mode 0600)`);
    if (!view.started) this.log(view.platform === 'systemd' ? `start it with: systemctl ${view.scope === 'user' ? '--user ' : ''}enable --now ${view.unit}` : `start it with: launchctl bootstrap gui/$(id -u) ${view.file}`);
    return view;
  }
}
