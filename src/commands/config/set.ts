import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {redactSetting, type SettingView} from '../../cli/settings-view.js';

export default class ConfigSet extends BaseCommand<typeof ConfigSet> {
  static override description = 'Store a setting in the config file (validated first)';
  static override examples = ['<%= config.bin %> config set network testnet', '<%= config.bin %> config set devnet.port 18600'];
  static override args = {
    key: Args.string({description: 'Setting key', required: true}),
    value: Args.string({description: 'New value', required: true}),
  };

  async run(): Promise<SettingView & {path: string}> {
    const settings = await this.settings();
    const view = redactSetting(settings.set(this.args.key, this.args.value), false);
    this.log(`${view.key} = ${view.value}  (saved to ${settings.path})`);
    if (view.source !== 'file') this.note(`Note: ${view.key} is overridden by ${view.source === 'env' ? 'an environment variable' : 'a flag'}.`);
    return {...view, path: settings.path};
  }
}
