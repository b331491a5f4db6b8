import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {formatBytes, formatCount} from '../../cli/progress.js';
import type {ModelDetails} from '../../app/models.js';

export default class ModelsInspect extends BaseCommand<typeof ModelsInspect> {
  static override description = "Show a model's architecture, parameters, quantization and context length (from the GGUF header) and its SHA-256";
  static override examples = ['<%= config.bin %> models inspect ./stories260K.gguf', '<%= config.bin %> models inspect stories260K --json'];
  static override args = {model: Args.string({description: 'A .gguf path, or a name from `cocoon models list`', required: true})};

  async run(): Promise<ModelDetails> {
    const {modelDetails} = await import('../../app/models.js');
    const m = await this.spin('Reading model', modelDetails({model: this.args.model}));
    const lines: Array<[string, string]> = [
      ['name', m.name],
      ['path', m.path],
      ['size', `${formatBytes(m.sizeBytes)} (${m.sizeBytes} bytes)`],
      ['architecture', m.architecture],
      ['parameters', `${formatCount(m.parameters)} (${m.parameters})`],
      ['quantization', m.quantization],
      ['context length', String(m.contextLength)],
      ['layers', String(m.layers)],
      ['tokenizer', `${m.tokenizer}, ${m.vocabularySize} tokens`],
      ['chat template', m.hasChatTemplate ? 'yes' : 'no (plain transcript)'],
      ['gguf version', String(m.ggufVersion)],
      ['sha256', m.sha256],
    ];
    for (const [k, v] of lines) this.log(`${k.padEnd(15)} ${v}`);
    return m;
  }
}
