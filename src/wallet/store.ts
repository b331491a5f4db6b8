import fs from 'node:fs';
import path from 'node:path';
import {CocoonError} from '../errors.js';
import {dataPath} from '../config/paths.js';
import {WALLET_NAME, parseKeystore, type Keystore} from '../crypto/keystore.js';

/** A listed wallet: its keystore, or the reason it cannot be read. */
export type WalletEntry = {name: string; file: string; keystore: Keystore} | {name: string; file: string; error: string};

/** Keystore files in the data dir: `<name>.json`, mode 0600, in a 0700 directory. */
export class WalletStore {
  private readonly warned = new Set<string>();

  /**
   * @param dir Keystore directory. Default: `<data>/wallets`.
   * @param options.onWarning Told about a keystore other users can read (the CLI prints it). Default: silent.
   */
  constructor(
    readonly dir: string = dataPath('wallets'),
    private readonly options: {onWarning?: (message: string) => void} = {},
  ) {}

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /** Refuse names that are not safe file names. */
  static checkName(name: string): void {
    if (!WALLET_NAME.test(name)) {
      throw new CocoonError('INVALID_INPUT', `Invalid wallet name "${name}".`, {hint: 'Use 1–32 letters, digits, "-" or "_", starting with a letter or digit.'});
    }
  }

  /** Names of stored wallets, sorted. */
  names(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  /** Every wallet; unreadable ones are listed with their error instead of failing the list. */
  list(): WalletEntry[] {
    return this.names().map((name) => {
      const file = this.file(name);
      try {
        return {name, file, keystore: this.load(name)};
      } catch (error) {
        return {name, file, error: (error as Error).message};
      }
    });
  }

  /** Refuse a name that is invalid or taken, before anything slow or interactive happens. */
  assertAvailable(name: string): void {
    WalletStore.checkName(name);
    if (this.has(name)) throw new CocoonError('ALREADY_EXISTS', `A wallet named "${name}" already exists.`, {hint: 'Choose another name.'});
  }

  /** True if a wallet of that name exists. */
  has(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  /** Load one keystore. */
  load(name: string): Keystore {
    WalletStore.checkName(name);
    const file = this.file(name);
    if (!fs.existsSync(file)) {
      const names = this.names();
      throw new CocoonError('NOT_FOUND', `No wallet named "${name}".`, {
        hint: names.length > 0 ? `Known wallets: ${names.join(', ')}.` : 'Create one with `cocoon wallet create` or `cocoon wallet import`.',
      });
    }
    const mode = fs.statSync(file).mode & 0o777;
    // Encrypted, but an offline password-guessing attack needs only a copy: say so, as ssh does for keys.
    if (process.platform !== 'win32' && mode & 0o077 && !this.warned.has(file)) {
      this.warned.add(file);
      this.options.onWarning?.(`The keystore ${file} can be read by other users (mode 0${mode.toString(8)}); run \`chmod 600 ${file}\`.`);
    }
    const keystore = parseKeystore(fs.readFileSync(file, 'utf8'), file);
    if (keystore.name !== name) throw new CocoonError('CORRUPT_DATA', `The keystore ${file} belongs to wallet "${keystore.name}", not "${name}".`);
    return keystore;
  }

  /** Save a new keystore; never overwrites. */
  add(keystore: Keystore): string {
    WalletStore.checkName(keystore.name);
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700});
    const file = this.file(keystore.name);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CocoonError('ALREADY_EXISTS', `A wallet named "${keystore.name}" already exists.`, {hint: 'Choose another name.'});
      }
      throw error;
    }
    try {
      fs.writeSync(fd, JSON.stringify(keystore, null, 2) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return file;
  }

  /**
   * The wallet to use: the one named, else the configured default, else the only
   * one. Never guesses between several.
   */
  resolveName(requested: string | undefined, configuredDefault: string | undefined): string {
    if (requested) return requested;
    if (configuredDefault) return configuredDefault;
    const names = this.names();
    if (names.length === 1) return names[0]!;
    if (names.length === 0) {
      throw new CocoonError('NOT_FOUND', 'There is no wallet yet.', {hint: 'Create one with `cocoon wallet create` or `cocoon wallet import`.'});
    }
    throw new CocoonError('USAGE', `There are several wallets (${names.join(', ')}) and no default.`, {
      hint: 'Pass --wallet NAME, or set a default with `cocoon config set wallet NAME`.',
    });
  }
}
