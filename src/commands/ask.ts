import {Args, Flags} from '@oclif/core';
import type {AskView} from '../app/ask.js';
import {BaseCommand} from '../cli/base-command.js';
import {providerFilterFlags} from '../cli/consumer.js';
import {sharedFlags} from '../cli/flags.js';
import {canPrompt, confirmAction} from '../cli/prompts.js';
import {readPrompt, writeText} from '../cli/stdio.js';
import {waitForStopSignal} from '../cli/signals.js';

export default class Ask extends BaseCommand<typeof Ask> {
  static override description = 'Ask a model on the network: end-to-end encrypted to the provider, streamed back, paid per token from a payment channel';
  static override examples = [
    '<%= config.bin %> ask "Once upon a time"',
    'echo "Once upon a time" | <%= config.bin %> ask - --json',
    '<%= config.bin %> ask --model qwen2.5-7b --max-price 0.5 --system "Answer briefly." "What is TON?"',
    '<%= config.bin %> ask --model qwen3-8b --max-tokens 1024 --think-budget 256 "Why is the sky blue?"',
  ];
  static override strict = false;
  static override args = {prompt: Args.string({description: 'The prompt; "-" (or nothing, with a pipe) reads it from stdin'})};
  static override flags = {
    ...providerFilterFlags,
    provider: Flags.string({description: 'Ask this provider (wallet address) only'}),
    system: Flags.string({description: 'System message (makes it a chat query)'}),
    'max-tokens': Flags.integer({description: 'Most completion tokens to pay for', default: 256, min: 1}),
    temperature: Flags.string({description: "Sampling temperature (0 = greedy) [default: the provider's]"}),
    'think-budget': Flags.integer({description: 'Reasoning models: most thought tokens before the provider closes the thought (counted in --max-tokens) [default: no bound]', min: 0}),
    'no-stream': Flags.boolean({description: 'Print the answer once complete instead of as it arrives'}),
    deposit: Flags.string({description: 'Deposit when a channel must be opened or topped up, GRAM [default: setting channel.deposit]'}),
    keep: Flags.string({description: 'Append the answer, its signed receipt and token ids to this file, to audit it later (`cocoon audit run --answers`); the file holds prompt and answer in the clear'}),
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
  };

  async run(): Promise<AskView> {
    const prompt = await readPrompt(this.positional);
    const app = await this.app({wallet: this.flags.wallet});
    const {askNetwork, askView} = await import('../app/ask.js');
    const stream = !this.jsonEnabled() && !this.flags['no-stream'];
    // Ctrl-C stops the answer and pays for what arrived (before any text: nothing to pay); a second one quits at once.
    const stopper = new AbortController();
    void waitForStopSignal().then(() => stopper.abort());
    const result = await askNetwork(app, {
      prompt,
      system: this.flags.system,
      maxTokens: this.flags['max-tokens'],
      temperature: this.flags.temperature === undefined ? undefined : Number(this.flags.temperature),
      thinkBudget: this.flags['think-budget'],
      filter: {architecture: this.flags.arch, model: this.flags.model, maxPrice: this.flags['max-price'], provider: this.flags.provider, includeFlagged: this.flags['include-flagged'], allowUnaudited: this.flags['allow-unaudited']},
      deposit: this.flags.deposit,
      funding: this.flags.yes ? 'always' : canPrompt() ? 'confirm' : 'never',
      confirm: (question) => confirmAction(question, {defaultAnswer: true}),
      onText: stream ? writeText : undefined,
      onNote: (message) => this.note(message),
      stop: stopper.signal,
      keep: this.flags.keep,
    });
    if (stream) writeText('\n');
    else if (!this.jsonEnabled()) this.log(result.text);
    const view = askView(result, app.network);
    this.note(view.summary);
    return view.json;
  }
}
