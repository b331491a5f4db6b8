import {Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command.js';
import {waitForStopSignal} from '../cli/signals.js';
import type {DemoReport} from '../demo/demo.js';

export default class Demo extends BaseCommand<typeof Demo> {
  static override description = 'The whole market on one machine, step by step: devnet, wallets, a provider serving a real model, an encrypted paid question, on-chain settlement';
  static override examples = ['<%= config.bin %> demo', 'COCOON_MODEL=./stories260K.gguf <%= config.bin %> demo --json', '<%= config.bin %> demo --model ./my.gguf --prompt "The little dog" --keep'];
  static override flags = {
    model: Flags.string({char: 'm', description: 'GGUF model to serve [default: COCOON_MODEL, a model in the store, or a 1 MB download]'}),
    prompt: Flags.string({description: 'The question [default: "Once upon a time"]'}),
    'max-tokens': Flags.integer({description: 'Completion tokens [default: 48]', min: 1}),
    keep: Flags.boolean({description: 'Keep the demo directory (devnet state, wallets, ledgers) afterwards'}),
    dir: Flags.string({description: 'Directory for the demo [default: a new temporary one]'}),
  };

  async run(): Promise<DemoReport> {
    const {runDemo} = await import('../demo/demo.js');
    const controller = new AbortController();
    void waitForStopSignal().then(() => controller.abort());
    let streaming = false;
    const report = await runDemo({
      dir: this.flags.dir,
      keep: this.flags.keep,
      model: this.flags.model,
      prompt: this.flags.prompt,
      maxTokens: this.flags['max-tokens'],
      signal: controller.signal,
      onText: (text) => {
        if (this.jsonEnabled()) return;
        if (!streaming) process.stdout.write('  answer: ');
        streaming = true;
        process.stdout.write(text);
      },
      onStep: (step) => {
        if (streaming) process.stdout.write('\n');
        streaming = false;
        this.log(`✔ ${step.name.padEnd(16)} ${step.detail}  (${step.ms} ms)`);
      },
    });
    this.log(report.kept ? `Kept: ${report.dir}` : 'Done; the demo directory was removed (use --keep to look around).');
    return report;
  }
}
