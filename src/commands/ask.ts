import {Args, Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command.js';
import {sharedFlags} from '../cli/flags.js';
import {providerFilterFlags, unlockSender} from '../cli/consumer.js';
import {canPrompt, confirmAction} from '../cli/prompts.js';
import {waitForStopSignal} from '../cli/signals.js';
import {CocoonError} from '../errors.js';

/** `ask --json` output. */
interface AskJson {
  text: string;
  usage: {promptTokens: number; completionTokens: number};
  finishReason: string;
  /** TON. */
  cost: string;
  costNano: string;
  provider: {address: string; model: string; architecture: string; endpoint: string};
  channel: {address: string; spent: string};
  receipt: {queryId: string; bytes: string; signature: string};
  voucherPosted: boolean;
  trust: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export default class Ask extends BaseCommand<typeof Ask> {
  static override description = 'Ask a model on the network: end-to-end encrypted to the provider, streamed back, paid per token from a payment channel';
  static override examples = [
    '<%= config.bin %> ask "Once upon a time"',
    'echo "Once upon a time" | <%= config.bin %> ask - --json',
    '<%= config.bin %> ask --model qwen2.5-7b --max-price 0.5 --system "Answer briefly." "What is TON?"',
  ];
  static override strict = false;
  static override args = {prompt: Args.string({description: 'The prompt; "-" (or nothing, with a pipe) reads it from stdin'})};
  static override flags = {
    ...providerFilterFlags,
    provider: Flags.string({description: 'Ask this provider (wallet address) only'}),
    system: Flags.string({description: 'System message (makes it a chat query)'}),
    'max-tokens': Flags.integer({description: 'Most completion tokens to pay for', default: 256, min: 1}),
    temperature: Flags.string({description: 'Sampling temperature (0 = greedy) [default: the provider\'s]'}),
    'no-stream': Flags.boolean({description: 'Print the answer once complete instead of as it arrives'}),
    deposit: Flags.string({description: 'Deposit when a channel must be opened or topped up [default: setting channel.deposit]'}),
    wallet: sharedFlags.wallet,
    yes: sharedFlags.yes,
  };

  async run(): Promise<AskJson> {
    const settings = await this.settings();
    const network = settings.get('network');
    let prompt = this.positional.join(' ');
    if (prompt === '-' || (prompt === '' && !process.stdin.isTTY)) prompt = await readStdin();
    prompt = prompt.replace(/\n+$/, '');
    if (!prompt.trim()) throw new CocoonError('USAGE', 'No prompt given.', {hint: 'Pass it as an argument, or pipe it in with `-`.'});
    const {parsePricePerMillion, parseAddress, parseTon, formatTon} = await import('../chain/units.js');
    const {openChain} = await import('../provider/setup.js');
    const {ChannelStore} = await import('../consumer/channel-store.js');
    const {openChannel, topUpChannel} = await import('../consumer/channels.js');
    const {ask} = await import('../consumer/ask.js');
    const {formatAddress} = await import('../chain/wallet-contract.js');
    const chain = await openChain(settings);
    const store = new ChannelStore(network);
    const deposit = parseTon(this.flags.deposit ?? settings.get('channel.deposit'));
    const temperature = this.flags.temperature === undefined ? undefined : Number(this.flags.temperature);
    if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) throw new CocoonError('INVALID_INPUT', '--temperature must be between 0 and 2.');
    const stream = !this.jsonEnabled() && !this.flags['no-stream'];
    const controller = new AbortController();
    void waitForStopSignal().then(() => controller.abort());
    let printed = false;
    const result = await ask({
      ...chain,
      store,
      prompt: this.flags.system ? undefined : prompt,
      messages: this.flags.system ? [{role: 'system', content: this.flags.system}, {role: 'user', content: prompt}] : undefined,
      maxTokens: this.flags['max-tokens'],
      temperature,
      filter: {
        architecture: this.flags.arch,
        model: this.flags.model,
        maxCompletionPrice: this.flags['max-price'] ? parsePricePerMillion(this.flags['max-price']) : undefined,
        provider: this.flags.provider ? parseAddress(this.flags.provider) : undefined,
      },
      signal: controller.signal,
      onText: (text) => {
        if (stream) {
          process.stdout.write(text);
          printed = true;
        }
      },
      onFallback: (p, error) => this.note(`provider ${formatAddress(p.owner, network)} failed (${error.message}); trying the next one`),
      openChannel: async (provider) => {
        this.note(`opening a channel to ${formatAddress(provider.owner, network)} with ${formatTon(deposit)} TON`);
        const {name, sender} = await unlockSender(settings, this.flags.wallet);
        return openChannel({client: chain.client, store, sender, walletName: name, provider: provider.owner, deposit, closeDelay: settings.get('channel.closeDelay')});
      },
      onLowBalance: async (record, remaining, needed) => {
        const question = `The channel has ${formatTon(remaining)} TON left; this query may cost up to ${formatTon(needed)} TON. Top up ${formatTon(deposit)} TON?`;
        if (!this.flags.yes && !canPrompt()) {
          throw new CocoonError('INSUFFICIENT_FUNDS', `The channel has ${formatTon(remaining)} TON left; this query may cost up to ${formatTon(needed)} TON.`, {
            hint: `Top it up with \`cocoon channel topup ${formatAddress(parseAddress(record.provider), network)} ${formatTon(deposit)}\`, pass --yes to top up automatically, or lower --max-tokens.`,
          });
        }
        if (!(await confirmAction(question, {assumeYes: this.flags.yes, defaultAnswer: true}))) throw new CocoonError('ABORTED', 'Not asked.');
        const {sender} = await unlockSender(settings, record.wallet);
        await topUpChannel({client: chain.client, record, sender, amount: deposit > needed ? deposit : needed});
      },
    });
    if (printed) process.stdout.write('\n');
    else if (!this.jsonEnabled()) this.log(result.text);
    const trust = result.trust === 'attested' ? 'attested enclave' : "provider's process sees the plaintext (no enclave)";
    this.note(
      `— ${result.provider.model} by ${formatAddress(result.provider.address, network)}: ${formatTon(result.cost)} TON ` +
        `(${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion tokens); trust: ${trust}`,
    );
    return {
      text: result.text,
      usage: result.usage,
      finishReason: result.finishReason,
      cost: formatTon(result.cost),
      costNano: result.cost.toString(),
      provider: {address: formatAddress(result.provider.address, network), model: result.provider.model, architecture: result.provider.architecture, endpoint: result.provider.endpoint},
      channel: {address: formatAddress(result.channel, network, {bounceable: true}), spent: formatTon(result.total)},
      receipt: result.receipt,
      voucherPosted: result.voucherPosted,
      trust: result.trust,
    };
  }
}
