import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {createProgressBar} from '../../cli/progress.js';
import {renderTable} from '../../cli/render.js';
import type {BenchRequest, BenchResult} from '../../app/gpu.js';

export default class GpuBench extends BaseCommand<typeof GpuBench> {
  static override description =
    'Benchmark the model you will serve: prompt and generation tokens/s and time to first token, for 1 and N parallel sequences (cached per model, device and settings)';
  static override examples = ['<%= config.bin %> gpu bench --model stories260K', '<%= config.bin %> gpu bench --model ./model.gguf --parallel 8 --json'];
  static override flags = {
    model: Flags.string({char: 'm', description: 'A .gguf path, or a name from `cocoon models list`', required: true}),
    gpu: Flags.string({description: 'Backend: auto, cuda, vulkan, metal or cpu', options: ['auto', 'cuda', 'vulkan', 'metal', 'cpu'], default: 'auto'}),
    threads: Flags.integer({description: 'CPU threads (default: physical cores; 1 for models under 256 MiB)', min: 1}),
    parallel: Flags.integer({description: 'Sequences in the parallel run', default: 4, min: 1}),
    'prompt-tokens': Flags.integer({description: 'Prompt length per request, tokens', default: 128, min: 1}),
    tokens: Flags.integer({description: 'Completion tokens per request', default: 128, min: 2}),
    force: Flags.boolean({description: 'Measure again even when a cached result exists'}),
  };

  async run(): Promise<BenchResult> {
    const {benchmark} = await import('../../app/gpu.js');
    const bar = createProgressBar({label: 'Benchmarking', enabled: this.interactiveOutput, format: (n) => `${Math.round(n * 100)}%`});
    let result: BenchResult;
    try {
      result = await benchmark({
        model: this.flags.model,
        gpu: this.flags.gpu as BenchRequest['gpu'],
        threads: this.flags.threads,
        parallel: this.flags.parallel,
        promptTokens: this.flags['prompt-tokens'],
        generateTokens: this.flags.tokens,
        force: this.flags.force,
        onProgress: (stage, fraction) => bar.update(fraction, 1, stage),
      });
    } finally {
      bar.stop();
    }
    this.log(`${result.model.name} (${result.model.quantization}, sha256 ${result.model.sha256.slice(0, 16)}…) on ${result.device.backend}: ${result.device.name}, ${result.device.threads} thread(s)`);
    this.log(
      renderTable(
        [result.single, result.parallel].map((f) => ({
          sequences: f.sequences,
          'prompt tok/s': f.promptTokensPerSecond,
          'generation tok/s': f.generationTokensPerSecond,
          'ttft ms': f.timeToFirstTokenMs,
        })),
      ),
    );
    this.note(result.cached ? `Cached result from ${result.measuredAt} (--force to measure again).` : `Measured at ${result.measuredAt}; cached for registration.`);
    return result;
  }
}
