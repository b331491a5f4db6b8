import {Flags} from '@oclif/core';
import type {AuditRunView} from '../../app/audit.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {canPrompt, confirmAction} from '../../cli/prompts.js';

export default class AuditRun extends BaseCommand<typeof AuditRun> {
  static override description =
    'Audit a provider (or every provider of a model): ordinary-looking paid queries, each answer re-scored by the registered model; writes an evidence file anyone can re-verify';
  static override examples = [
    '<%= config.bin %> audit run --provider EQB… --challenges 20',
    '<%= config.bin %> audit run --model stories260K --model-file ./stories260K.gguf --out ./evidence --json',
    '<%= config.bin %> audit run --answers ./kept.jsonl',
  ];
  static override flags = {
    provider: Flags.string({description: 'Audit this provider (wallet address)'}),
    model: Flags.string({description: 'Audit every live provider of this model'}),
    answers: Flags.string({description: 'Audit the answers kept in this file (`ask --keep`) instead of sending challenges: no query, no payment'}),
    challenges: Flags.integer({description: 'Challenges per provider', default: 10, min: 1}),
    'model-file': Flags.string({description: 'The registered GGUF [default: the file in the models dir with the registered SHA-256]'}),
    out: Flags.string({description: 'Evidence file (one provider, .json) or directory [default: <data dir>/audit/]'}),
    'stop-after': Flags.integer({description: 'Stop auditing a provider after this many failed challenges', default: 3, min: 1}),
    deposit: Flags.string({description: 'Deposit when a channel must be opened or topped up, GRAM [default: setting channel.deposit]'}),
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
  };

  async run(): Promise<AuditRunView> {
    const app = await this.app({wallet: this.flags.wallet});
    const {auditProviders} = await import('../../app/audit.js');
    const view = await auditProviders(app, {
      provider: this.flags.provider,
      model: this.flags.model,
      answers: this.flags.answers,
      challenges: this.flags.challenges,
      modelPath: this.flags['model-file'],
      out: this.flags.out,
      stopAfterFailures: this.flags['stop-after'],
      deposit: this.flags.deposit,
      funding: this.flags.yes ? 'always' : canPrompt() ? 'confirm' : 'never',
      confirm: (question) => confirmAction(question, {defaultAnswer: true}),
      onNote: (message) => this.note(message),
    });
    for (const p of view.providers) {
      this.log(`${p.provider} (${p.model}): ${p.verdict.toUpperCase()}, ${p.failures} of ${p.challenges} challenges failed${p.unanswered.length ? `, ${p.unanswered.length} unanswered` : ''}`);
      for (const f of p.failed) this.log(`  challenge ${f.challenge}: ${f.reason}`);
      this.log(`  evidence ${p.evidence} (sha256 ${p.digest})`);
    }
    return view;
  }
}
