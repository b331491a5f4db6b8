import {BaseCommand} from '../../cli/base-command.js';
import {resolvePaths} from '../../config/paths.js';

export default class ConfigPath extends BaseCommand<typeof ConfigPath> {
  static override description = 'Show where settings and data live (move everything with COCOON_HOME)';

  async run(): Promise<{configFile: string; configDir: string; dataDir: string}> {
    const settings = await this.settings();
    const paths = resolvePaths();
    this.log(`config file  ${settings.path}`);
    this.log(`data dir     ${paths.dataDir}`);
    return {configFile: settings.path, ...paths};
  }
}
