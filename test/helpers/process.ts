import {spawn, type ChildProcess} from 'node:child_process';
import {BIN} from './cli.js';

/** A CLI process left running (a provider node, a foreground devnet). */
export interface Background {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Start `cocoon ...args` and resolve once its output matches `ready`. */
export function startBackground(args: string[], options: {home: string; env?: Record<string, string>; ready: RegExp; timeoutMs?: number}): Promise<Background> {
  const env: NodeJS.ProcessEnv = {...process.env, CI: 'true', COCOON_HOME: options.home, ...options.env};
  delete env.NODE_ENV;
  const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']});
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cocoon ${args.join(' ')} not ready in time:\n${text}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      text += d.toString();
      if (options.ready.test(text)) {
        clearTimeout(timer);
        resolve({child, output: () => text, exited});
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`cocoon ${args.join(' ')} exited (${code}) before ready:\n${text}`));
    });
  });
}
