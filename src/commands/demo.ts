import {Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command.js';
import {waitForStopSignal} from '../cli/signals.js';
import type {DemoReport} from '../demo/demo.js';

export default class Demo extends BaseCommand<typeof Demo> {
  static override description = 'Run the market end to end on a private local devnet, showing each step';
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --keep --json'];
  static override flags = {
    keep: Flags.boolean({description: 'Keep the demo directory (devnet state and wallets) afterwards'}),
    dir: Flags.string({description: 'Directory for the demo (default: a new temporary one)'}),
  };

  async run(): Promise<DemoReport> {
    const {runDemo} = await import('../demo/demo.js');
    const controller = new AbortController();
    void waitForStopSignal().then(() => controller.abort());
    const report = await runDemo({
      dir: this.flags.dir,
      keep: this.flags.keep,
      signal: controller.signal,
      onStep: (step) => this.log(`✔ ${step.name.padEnd(16)} ${step.detail}  (${step.ms} ms)`),
    });
    this.log(report.kept ? `Kept: ${report.dir}` : 'Done; the demo directory was removed (use --keep to look around).');
    return report;
  }
}
