import type {ServiceView} from '../../../app/service.js';
import {BaseCommand} from '../../../cli/base-command.js';
import {nodeFlag} from '../../../cli/provider-view.js';
import {serviceFlags} from '../../../cli/service-flags.js';

export default class ProvideServiceStatus extends BaseCommand<typeof ProvideServiceStatus> {
  static override description = 'Whether a node\'s service is installed, and what systemd or launchd says of it';
  static override flags = {node: nodeFlag(), ...serviceFlags};

  async run(): Promise<ServiceView> {
    const service = await import('../../../app/service.js');
    const view = await service.serviceStatus({node: this.flags.node, platform: this.flags.platform as 'systemd' | 'launchd' | undefined, scope: this.flags.system ? 'system' : 'user'});
    this.log(view.installed ? `${view.unit}: installed at ${view.file}` : `${view.unit}: not installed (\`cocoon provide service install\`)`);
    for (const [k, v] of Object.entries(view.state ?? {})) this.log(`  ${k}: ${v}`);
    return view;
  }
}
