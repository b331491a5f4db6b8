import {BaseCommand} from '../../cli/base-command.js';
import {formatBytes, formatCount} from '../../cli/progress.js';
import {renderTable} from '../../cli/render.js';
import type {ModelListView} from '../../app/models.js';

export default class ModelsList extends BaseCommand<typeof ModelsList> {
  static override description = 'List the GGUF models in the local store (and unfinished downloads)';
  static override examples = ['<%= config.bin %> models list', '<%= config.bin %> models list --json'];

  async run(): Promise<ModelListView> {
    const {localModels} = await import('../../app/models.js');
    const view = await localModels();
    this.log(
      renderTable(
        view.models.map((m) => ({
          file: m.file,
          size: formatBytes(m.sizeBytes),
          arch: m.info?.architecture ?? '-',
          params: m.info ? formatCount(m.info.parameters) : '-',
          quant: m.info?.quantization ?? '-',
          context: m.info?.contextLength ?? '-',
          status: m.partial ? 'partial download' : m.error ? `unusable: ${m.error}` : 'ok',
        })),
      ),
    );
    this.note(`Store: ${view.dir}`);
    return view;
  }
}
