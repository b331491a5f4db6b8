import {Command, Flags, Interfaces} from '@oclif/core';
import {CocoonError, isCocoonError} from '../errors.js';
import {NETWORKS, Settings, type NetworkName, type SettingKey} from '../config/settings.js';
import type {AppContext, SecretSource} from '../app/context.js';

/** Flags every command has, plus the command's own. */
export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;
/** The command's parsed arguments. */
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** The JSON shape of a failed command under `--json`. */
export interface ErrorJson {
  error: {code: string; message: string; hint?: string; details?: Record<string, unknown>; exitCode: number};
}

/**
 * Base of every command: parses flags, gives `--json` (the value `run()` returns
 * is printed as JSON), opens settings with flag overrides, and maps typed errors
 * to a message, a hint and an exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    network: Flags.string({
      description: 'Network: devnet (local), testnet or mainnet [env: COCOON_NETWORK]',
      helpGroup: 'GLOBAL',
      options: [...NETWORKS],
    }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  /** Every positional argument, in order (commands with `strict = false` take several). */
  protected positional: string[] = [];
  private settingsPromise?: Promise<Settings>;

  public override async init(): Promise<void> {
    await super.init();
    const ctor = this.ctor as typeof BaseCommand;
    const {args, flags, argv} = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.positional = argv as string[];
  }

  /** Settings with this command's flags as the highest-precedence layer. */
  protected settings(extra: Partial<Record<SettingKey, unknown>> = {}): Promise<Settings> {
    this.settingsPromise ??= Settings.open({overrides: {network: (this.flags as {network?: string}).network, ...extra}});
    return this.settingsPromise;
  }

  /**
   * The app context for this command: settings with its flags, passwords from
   * the environment or a prompt, and `wallet` as the default wallet.
   */
  protected async app(options: {wallet?: string; settings?: Partial<Record<SettingKey, unknown>>; secrets?: SecretSource} = {}): Promise<AppContext> {
    const [{AppContext}, {cliSecret}] = await Promise.all([import('../app/context.js'), import('./prompts.js')]);
    return AppContext.open({settings: await this.settings(options.settings), secrets: options.secrets ?? cliSecret, wallet: options.wallet, onWarning: (message) => process.stderr.write(`Warning: ${message}\n`)});
  }

  /** The network this command talks to. */
  protected async network(): Promise<NetworkName> {
    return (await this.settings()).get('network');
  }

  /** True when decorations (spinners, colour, tables) may be drawn on stderr. */
  protected get interactiveOutput(): boolean {
    return Boolean(process.stderr.isTTY) && !this.jsonEnabled() && !process.env.CI;
  }

  /** Run `work` behind a spinner on a terminal; plain otherwise. */
  protected async spin<R>(text: string, work: Promise<R> | (() => Promise<R>)): Promise<R> {
    const promise = typeof work === 'function' ? work() : work;
    if (!this.interactiveOutput) return promise;
    // The work may fail while ora loads; mark it handled now so Node does not
    // treat the rejection as unhandled and crash before it is awaited below.
    promise.catch(() => undefined);
    const {default: ora} = await import('ora');
    const spinner = ora({text, stream: process.stderr}).start();
    try {
      const result = await promise;
      spinner.succeed();
      return result;
    } catch (error) {
      spinner.fail();
      throw error;
    }
  }

  /** Write a status line to stderr (kept out of stdout and `--json`). */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(message + '\n');
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (!isCocoonError(err)) {
      // oclif's own errors (bad flags, unknown command) keep oclif's handling and codes.
      if (err.name === 'ExitPromptError') return this.catch(new CocoonError('ABORTED', 'Cancelled.'));
      // A flag or argument oclif could not parse: under --json it is our documented {"error"} with exit 2, not oclif's internals.
      if ('oclif' in err && (err as {oclif?: {exit?: number}}).oclif?.exit === 2 && this.jsonEnabled()) {
        const message = err.message
          .split('\n')
          .filter((line) => !/See more help with/.test(line))
          .map((line) => line.trim())
          .filter(Boolean)
          .join(': ')
          .replace(/: :/g, ':');
        return this.catch(new CocoonError('USAGE', message, {hint: `See \`${this.config.bin} ${(this.id ?? '').replaceAll(':', ' ')} --help\`.`}));
      }
      if ('oclif' in err) return super.catch(err);
      const wrapped = new CocoonError('INTERNAL', `Unexpected error: ${err.message}`, {
        hint: 'This is a bug in cocoon; run again with DEBUG=cocoon* for a stack trace and report it.',
        cause: err,
      });
      if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
      return this.catch(wrapped);
    }
    const json: ErrorJson = {
      error: {code: err.code, message: err.message, hint: err.hint, details: err.details, exitCode: err.exitCode},
    };
    if (this.jsonEnabled()) {
      this.logJson(json);
    } else {
      process.stderr.write(`Error: ${err.message}\n`);
      if (err.hint) process.stderr.write(`  → ${err.hint}\n`);
    }
    return this.exit(err.exitCode);
  }
}
