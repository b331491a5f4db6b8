import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {redactSetting, type SettingView} from '../../cli/settings-view.js';

export default class ConfigUnset extends BaseCommand<typeof ConfigUnset> {
  static override description = 'Remove a setting from the config file so its default applies again';
  static override args = {key: Args.string({description: 'Setting key', required: true})};

  async run(): Promise<SettingView> {
    const settings = await this.settings();
    settings.unset(this.args.key);
    const view = redactSetting(settings.resolve(this.args.key as never), false);
    this.log(`${view.key} = ${view.value}  (${view.source})`);
    return view;
  }
}
