import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {redactSetting, type SettingView} from '../../cli/settings-view.js';

export default class ConfigGet extends BaseCommand<typeof ConfigGet> {
  static override description = 'Show one setting and where its value comes from (flag, env, file or default)';
  static override examples = ['<%= config.bin %> config get network', '<%= config.bin %> config get devnet.port --json'];
  static override args = {key: Args.string({description: 'Setting key (see `cocoon config list`)', required: true})};
  static override flags = {reveal: Flags.boolean({description: 'Show secret values (API keys) instead of redacting them'})};

  async run(): Promise<SettingView> {
    const settings = await this.settings();
    const view = redactSetting(settings.resolve(this.args.key as never), this.flags.reveal);
    this.log(String(view.value));
    return view;
  }
}
