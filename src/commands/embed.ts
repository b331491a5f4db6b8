import {Args, Flags} from '@oclif/core';
import type {EmbedView} from '../app/embed.js';
import {BaseCommand} from '../cli/base-command.js';
import {providerFilterFlags} from '../cli/consumer.js';
import {sharedFlags} from '../cli/flags.js';
import {canPrompt, confirmAction} from '../cli/prompts.js';
import {readStdin} from '../cli/stdio.js';
import {CocoonError} from '../errors.js';

export default class Embed extends BaseCommand<typeof Embed> {
  static override description = 'Embed texts with an embedding model on the network: one vector per text, end-to-end encrypted, paid per input token';
  static override examples = [
    '<%= config.bin %> embed --model nomic-embed "a cat on a mat" "a dog in the fog" --json',
    'cat notes.txt | <%= config.bin %> embed --model nomic-embed --lines --json   # one vector per line',
  ];
  static override strict = false;
  static override args = {text: Args.string({description: 'A text to embed (each argument one text); "-" (or nothing, with a pipe) reads stdin'})};
  static override flags = {
    model: Flags.string({char: 'm', description: 'The embedding model (vectors of different models do not compare)', required: true}),
    arch: providerFilterFlags.arch,
    'max-price': Flags.string({description: 'Highest price, GRAM per 1M input tokens'}),
    provider: Flags.string({description: 'Use this provider (wallet address) only'}),
    lines: Flags.boolean({description: 'With stdin: each non-empty line is one text (default: all of stdin is one)'}),
    'include-flagged': providerFilterFlags['include-flagged'],
    'allow-unaudited': providerFilterFlags['allow-unaudited'],
    deposit: Flags.string({description: 'Deposit when a channel must be opened or topped up, GRAM [default: setting channel.deposit]'}),
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
  };

  async run(): Promise<EmbedView> {
    const input = await this.texts();
    const app = await this.app({wallet: this.flags.wallet});
    const {embedNetwork, embedView} = await import('../app/embed.js');
    const result = await embedNetwork(app, {
      input,
      filter: {architecture: this.flags.arch, model: this.flags.model, provider: this.flags.provider, includeFlagged: this.flags['include-flagged'], allowUnaudited: this.flags['allow-unaudited']},
      maxPromptPrice: this.flags['max-price'],
      deposit: this.flags.deposit,
      funding: this.flags.yes ? 'always' : canPrompt() ? 'confirm' : 'never',
      confirm: (question) => confirmAction(question, {defaultAnswer: true}),
      onNote: (message) => this.note(message),
    });
    const view = embedView(result, app.network);
    if (!this.jsonEnabled()) {
      // A vector is long: each text's first values, its length, and its text.
      view.json.vectors.forEach((v, i) => this.log(`${i}  [${v.slice(0, 4).map((x) => x.toFixed(4)).join(', ')}, …] ×${v.length}  ${JSON.stringify(input[i]!.slice(0, 40))}`));
    }
    this.note(view.summary);
    return view.json;
  }

  /** The texts: the arguments, or stdin (whole, or by line with --lines); oclif hands piped stdin in as the argument. */
  private async texts(): Promise<string[]> {
    const piped = !process.stdin.isTTY;
    let raw = this.positional;
    if (raw.length === 0 || (raw.length === 1 && raw[0] === '-')) raw = piped ? [await readStdin()] : [];
    raw = raw.map((t) => t.replace(/\n+$/, ''));
    if (this.flags.lines) {
      if (!piped || raw.length !== 1) throw new CocoonError('USAGE', '--lines reads texts from stdin.', {hint: 'Pipe the text in, or pass each text as an argument without --lines.'});
      raw = raw[0]!.split('\n').filter((l) => l.trim() !== '');
    }
    if (raw.length === 0 || raw.every((t) => !t.trim())) throw new CocoonError('USAGE', 'No text given.', {hint: 'Pass texts as arguments, or pipe them in with `-` (--lines for one per line).'});
    return raw;
  }
}
