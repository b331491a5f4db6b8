import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {redactSetting, type SettingView} from '../../cli/settings-view.js';
import {renderTable} from '../../cli/render.js';

export default class ConfigList extends BaseCommand<typeof ConfigList> {
  static override description = 'List every setting with its value and source (precedence: flag > env > file > default)';
  static override flags = {reveal: Flags.boolean({description: 'Show secret values (API keys) instead of redacting them'})};

  async run(): Promise<{settings: SettingView[]}> {
    const settings = await this.settings();
    const views = settings.list().map((s) => redactSetting(s, this.flags.reveal));
    this.log(renderTable(views.map((v) => ({key: v.key, value: String(v.value), source: v.source, env: v.env}))));
    return {settings: views};
  }
}
