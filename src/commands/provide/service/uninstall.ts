import type {ServiceView} from '../../../app/service.js';
import {BaseCommand} from '../../../cli/base-command.js';
import {nodeFlag} from '../../../cli/provider-view.js';
import {serviceFlags} from '../../../cli/service-flags.js';

export default class ProvideServiceUninstall extends BaseCommand<typeof ProvideServiceUninstall> {
  static override description = 'Stop a node\'s service (it settles every channel as it stops), disable it, and remove its unit and secret files';
  static override flags = {node: nodeFlag(), ...serviceFlags};

  async run(): Promise<ServiceView> {
    const service = await import('../../../app/service.js');
    const view = await service.uninstallService({node: this.flags.node, platform: this.flags.platform as 'systemd' | 'launchd' | undefined, scope: this.flags.system ? 'system' : 'user'});
    this.log(`removed ${view.file}${Object.keys(view.secretFiles).length ? ` and ${Object.values(view.secretFiles).join(', ')}` : ''}`);
    return view;
  }
}
