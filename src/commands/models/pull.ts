import {Args} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {createProgressBar, formatBytes} from '../../cli/progress.js';
import type {PullResult} from '../../app/models.js';

export default class ModelsPull extends BaseCommand<typeof ModelsPull> {
  static override description = 'Download a model into the local store (hf: URI or https URL, resumable), or copy a local .gguf there';
  static override examples = [
    '<%= config.bin %> models pull hf:bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M',
    '<%= config.bin %> models pull hf:ggml-org/models/tinyllamas/stories260K.gguf',
    '<%= config.bin %> models pull ./my-model.gguf',
  ];
  static override args = {uri: Args.string({description: 'hf:<user>/<repo>[:<quant>], hf:<user>/<repo>/<file>.gguf, an https URL or a local path', required: true})};

  async run(): Promise<PullResult> {
    const {pullIntoStore} = await import('../../app/models.js');
    const bar = createProgressBar({label: 'Downloading', enabled: this.interactiveOutput});
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const result = await pullIntoStore({
        uri: this.args.uri,
        signal: controller.signal,
        onProgress: ({downloadedBytes, totalBytes}) => bar.update(downloadedBytes, totalBytes),
      });
      bar.stop();
      this.log(`${result.alreadyPresent ? 'Already present' : 'Saved'}: ${result.path} (${formatBytes(result.sizeBytes)})`);
      this.log(`sha256 ${result.sha256}`);
      return result;
    } finally {
      bar.stop();
      process.removeListener('SIGINT', onSigint);
    }
  }
}
