import {spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI entry (tests run after `npm run build`). */
export const BIN = path.join(ROOT, 'bin', 'run.js');

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  json: any;
}

/** Options for runCli. */
export interface RunCliOptions {
  /** COCOON_HOME for the run (required: tests never touch the real home). */
  home: string;
  /** Extra environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed. Default: stdin closed at once. */
  input?: string;
  /** Kill after this many ms. Default: 60 s. */
  timeoutMs?: number;
}

/** Run `cocoon ...args` as a real process, without a terminal, as CI does. */
export function runCli(args: string[], options: RunCliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {...process.env, CI: 'true', NO_COLOR: '1', COCOON_HOME: options.home};
    // vitest sets NODE_ENV=test, which sends oclif looking for TypeScript sources; users have no such thing.
    delete env.NODE_ENV;
    delete env.COCOON_WALLET_PASSWORD;
    delete env.COCOON_MNEMONIC;
    delete env.COCOON_NETWORK;
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['pipe', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({code: code ?? -1, stdout, stderr, json});
    });
    child.stdin.end(options.input ?? '');
  });
}
