import {CocoonError} from '../errors.js';
import {secretFromEnv} from './secret-env.js';

/** True when a person can answer prompts on this process's terminal. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY) && !process.env.CI;
}

function requireTerminal(what: string, hint: string): void {
  if (!canPrompt()) throw new CocoonError('NO_TERMINAL', `${what} is needed, and there is no terminal to ask on.`, {hint});
}

/** Options for askPassword. */
export interface AskPasswordOptions {
  /** Prompt text. */
  message: string;
  /** Ask twice and require both to match (new passwords). Default: false. */
  confirm?: boolean;
  /** Environment variable that supplies the password non-interactively. Default: COCOON_WALLET_PASSWORD. */
  envVar?: string;
}

/** A password from the environment or, on a terminal, a masked prompt. Never from argv. */
export async function askPassword(options: AskPasswordOptions): Promise<string> {
  const envVar = options.envVar ?? 'COCOON_WALLET_PASSWORD';
  const fromEnv = secretFromEnv(envVar);
  if (fromEnv) return fromEnv;
  requireTerminal('A password', `Set ${envVar} (or ${envVar}_FILE, a 0600 file holding it) for non-interactive use.`);
  const {password} = await import('@inquirer/prompts');
  const first = await password({message: options.message, mask: '*'});
  if (!first) throw new CocoonError('INVALID_INPUT', 'The password is empty.', {hint: 'Choose a non-empty password.'});
  if (options.confirm) {
    const second = await password({message: 'Repeat the password:', mask: '*'});
    if (first !== second) throw new CocoonError('INVALID_INPUT', 'The two passwords differ.', {hint: 'Run the command again.'});
  }
  return first;
}

/** Ask a yes/no question; `assumeYes` (from --yes) answers it without a terminal. */
export async function confirmAction(message: string, options: {assumeYes?: boolean; defaultAnswer?: boolean} = {}): Promise<boolean> {
  if (options.assumeYes) return true;
  requireTerminal('A confirmation', 'Pass --yes to confirm non-interactively.');
  const {confirm} = await import('@inquirer/prompts');
  return confirm({message, default: options.defaultAnswer ?? false});
}

/** Read a secret (such as a mnemonic) from the environment or a masked prompt. */
export async function askSecret(options: {message: string; envVar: string}): Promise<string> {
  const fromEnv = secretFromEnv(options.envVar);
  if (fromEnv) return fromEnv;
  requireTerminal('A secret', `Set ${options.envVar} for non-interactive use.`);
  const {password} = await import('@inquirer/prompts');
  return password({message: options.message, mask: '*'});
}

/**
 * Passwords for an AppContext from the environment or a terminal prompt:
 * COCOON_WALLET_PASSWORD for wallets, COCOON_NODE_PASSWORD for the node key
 * (a new node key's password is asked twice).
 */
export async function cliSecret(request: {kind: 'wallet'; name: string} | {kind: 'node-key'; creating: boolean}): Promise<string> {
  if (request.kind === 'wallet') return askPassword({message: `Password for wallet "${request.name}":`});
  return askPassword({
    message: request.creating ? "New password for this machine's provider node key:" : 'Password for the provider node key:',
    envVar: 'COCOON_NODE_PASSWORD',
    confirm: request.creating,
  });
}
