import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {formatBytes} from '../../cli/progress.js';
import type {RemoveResult} from '../../app/models.js';

export default class ModelsRm extends BaseCommand<typeof ModelsRm> {
  static override description = 'Delete a model (and its unfinished download) from the local store';
  static override examples = ['<%= config.bin %> models rm stories260K'];
  static override args = {model: Args.string({description: 'A name from `cocoon models list`', required: true})};

  async run(): Promise<RemoveResult> {
    const {removeFromStore} = await import('../../app/models.js');
    const result = await removeFromStore({model: this.args.model});
    for (const file of result.removed) this.log(`Removed ${file}`);
    this.log(`Freed ${formatBytes(result.freedBytes)}`);
    return result;
  }
}
