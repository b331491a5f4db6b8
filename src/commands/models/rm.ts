import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {formatBytes} from '../../cli/progress.js';
import type {RemoveResult} from '../../inference/models.js';

export default class ModelsRm extends BaseCommand<typeof ModelsRm> {
  static override description = 'Delete a model (and its unfinished download) from the local store';
  static override examples = ['<%= config.bin %> models rm stories260K'];
  static override args = {model: Args.string({description: 'A name from `cocoon models list`', required: true})};

  async run(): Promise<RemoveResult> {
    const {removeModel} = await import('../../inference/models.js');
    const result = await removeModel(this.args.model);
    for (const file of result.removed) this.log(`Removed ${file}`);
    this.log(`Freed ${formatBytes(result.freedBytes)}`);
    return result;
  }
}
