import {Args, Flags} from '@oclif/core';
import type {AuditVerifyView} from '../../app/audit.js';
import {BaseCommand} from '../../cli/base-command.js';
import {CocoonError} from '../../errors.js';

export default class AuditVerify extends BaseCommand<typeof AuditVerify> {
  static override description = 'Re-verify an audit evidence file offline: signatures, token hashes, every verdict re-scored by the registered model, and the counts';
  static override examples = ['<%= config.bin %> audit verify ./evidence.json --model ./stories260K.gguf'];
  static override args = {file: Args.string({description: 'The evidence file (JSON from `audit run`)', required: true})};
  static override flags = {
    model: Flags.string({description: 'The registered GGUF [default: the file in the models dir with the bundle\'s model hash]'}),
  };

  async run(): Promise<AuditVerifyView> {
    const app = await this.app();
    const {verifyEvidenceFile} = await import('../../app/audit.js');
    const view = await verifyEvidenceFile(app, {file: this.args.file, modelPath: this.flags.model});
    this.log(`${view.provider} (${view.model}): ${view.stated.failures} of ${view.stated.challenges} challenges failed, period ${new Date(view.period.start * 1000).toISOString()} – ${new Date(view.period.end * 1000).toISOString()}`);
    this.log(`digest ${view.digest}`);
    if (view.ok) {
      this.log('verified: every receipt is the provider’s, and every verdict and count is what re-scoring gives');
      return view;
    }
    for (const p of view.problems) this.log(`  ${p}`);
    throw new CocoonError('INVALID_INPUT', `The evidence does not hold: ${view.problems.length} problem${view.problems.length === 1 ? '' : 's'} (${view.problems[0]}).`, {
      hint: 'A report that fails verification proves nothing against the provider.',
      details: {problems: view.problems, digest: view.digest},
    });
  }
}
