import type {ConfigPathsView} from '../../app/config.js';
import {BaseCommand} from '../../cli/base-command.js';

export default class ConfigPath extends BaseCommand<typeof ConfigPath> {
  static override description = 'Show where settings and data live (move everything with COCOON_HOME)';

  async run(): Promise<ConfigPathsView> {
    const settings = await this.settings();
    const {configPaths} = await import('../../app/config.js');
    const view = configPaths(settings);
    this.log(`config file  ${view.configFile}`);
    this.log(`data dir     ${view.dataDir}`);
    return view;
  }
}
