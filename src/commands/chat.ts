import {Flags} from '@oclif/core';
import type {ChatView} from '../app/chat.js';
import {BaseCommand} from '../cli/base-command.js';
import {providerFilterFlags} from '../cli/consumer.js';
import {sharedFlags} from '../cli/flags.js';

export default class Chat extends BaseCommand<typeof Chat> {
  static override description = 'Chat with a model on the network: multi-turn, streamed, each answer paid per token from a payment channel';
  static override examples = [
    '<%= config.bin %> chat --model stories',
    '<%= config.bin %> chat --system "Answer briefly." --max-tokens 200',
    'printf "Once upon a time\\n/cost\\n" | <%= config.bin %> chat --model stories',
  ];
  static override flags = {
    ...providerFilterFlags,
    provider: Flags.string({description: 'Chat with this provider (wallet address) only'}),
    system: Flags.string({description: 'System message (change it in the chat with /system)'}),
    'max-tokens': Flags.integer({description: 'Most completion tokens to pay for per answer', default: 512, min: 1}),
    temperature: Flags.string({description: "Sampling temperature (0 = greedy) [default: the provider's]"}),
    'think-budget': Flags.integer({description: 'Reasoning models: most thought tokens per answer (/think changes it) [default: no bound]', min: 0}),
    deposit: Flags.string({description: 'Deposit when a channel must be opened or topped up, GRAM [default: setting channel.deposit]'}),
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
  };

  async run(): Promise<ChatView> {
    const app = await this.app({wallet: this.flags.wallet});
    const [{ChatSession, chatView, chatTurnLine}, {runChatLoop}] = await Promise.all([import('../app/chat.js'), import('../cli/chat.js')]);
    const session = new ChatSession(app, {
      system: this.flags.system,
      filter: {architecture: this.flags.arch, model: this.flags.model, maxPrice: this.flags['max-price'], provider: this.flags.provider},
      maxTokens: this.flags['max-tokens'],
      temperature: this.flags.temperature === undefined ? undefined : Number(this.flags.temperature),
      thinkBudget: this.flags['think-budget'],
      deposit: this.flags.deposit,
      // Top-ups are asked for only with --yes: a prompt would fight the chat for the terminal.
      funding: this.flags.yes ? 'always' : 'never',
      onNote: (message) => this.note(message),
    });
    const ended = await runChatLoop({session, showAnswers: !this.jsonEnabled(), summary: (result) => chatTurnLine(result, app.network)});
    this.note(`— this chat: ${session.costLine()}`);
    if (ended.ended === 'error') throw ended.error;
    return chatView(session);
  }
}
