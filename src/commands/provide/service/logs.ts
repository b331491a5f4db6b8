import {spawn} from 'node:child_process';
import {Flags} from '@oclif/core';
import {BaseCommand} from '../../../cli/base-command.js';
import {nodeFlag} from '../../../cli/provider-view.js';
import {serviceFlags} from '../../../cli/service-flags.js';

export default class ProvideServiceLogs extends BaseCommand<typeof ProvideServiceLogs> {
  static override description = 'A node service\'s log (journalctl, or the launchd agent\'s log file)';
  static override flags = {
    node: nodeFlag(),
    ...serviceFlags,
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines'}),
    lines: Flags.integer({char: 'n', description: 'Lines to show', default: 100, min: 1}),
  };

  async run(): Promise<void> {
    const service = await import('../../../app/service.js');
    const {command, args} = service.serviceLogsCommand({node: this.flags.node, platform: this.flags.platform as 'systemd' | 'launchd' | undefined, scope: this.flags.system ? 'system' : 'user', follow: this.flags.follow, lines: this.flags.lines});
    if (!service.hasCommand(command)) this.error(`${command} is not installed here, so the service's log cannot be read`, {exit: 3});
    const code = await new Promise<number>((resolve) => spawn(command, args, {stdio: 'inherit'}).on('exit', (c) => resolve(c ?? 1)));
    if (code !== 0) this.exit(code);
  }
}
