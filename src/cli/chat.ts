/**
 * The terminal side of `cocoon chat`: reads lines (a person at a terminal, or
 * a piped script: one user turn per line), streams answers to stdout, and puts
 * everything else (cost lines, notes, errors) on stderr. Ctrl-C stops the
 * answer being written (the paid stop: what arrived is paid and kept) and
 * stays in the chat; at the prompt a second Ctrl-C in a row, or Ctrl-D,
 * leaves. In a script a failed turn ends the chat with its error.
 */
import readline from 'node:readline';
import type {AskResult} from '../consumer/ask.js';
import {CHAT_HELP, chatErrorText, parseChatInput, type ChatSession} from '../app/chat.js';
import {ReasoningStream, type ReasoningPart} from '../gateway/reasoning.js';

/** Options of runChatLoop. */
export interface ChatLoopOptions {
  session: ChatSession;
  /** Where lines come from. Default: process.stdin. */
  input?: NodeJS.ReadableStream & {isTTY?: boolean};
  /** Answers. Default: process.stdout. */
  output?: NodeJS.WritableStream & {isTTY?: boolean};
  /** Everything else. Default: process.stderr. */
  errors?: NodeJS.WritableStream & {isTTY?: boolean};
  /** Print answers (false under --json, which returns the transcript instead). Default: true. */
  showAnswers?: boolean;
  /** A line saying who answered and what it cost. */
  summary: (result: AskResult) => string;
}

/** How the chat ended. */
export interface ChatLoopResult {
  /** `exit` (/exit, Ctrl-D, Ctrl-C twice, end of the script) or the error that ended a script. */
  ended: 'exit' | 'error';
  error?: unknown;
}

const PROMPT = '>>> ';

/** Run the chat until the user leaves or the script ends. */
export async function runChatLoop(options: ChatLoopOptions): Promise<ChatLoopResult> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const errors = options.errors ?? process.stderr;
  const interactive = Boolean(input.isTTY && output.isTTY);
  const show = options.showAnswers ?? true;
  const dim = (text: string) => (errors.isTTY ? `\x1b[2m${text}\x1b[22m` : text);
  const say = (text: string) => errors.write(`${dim(text)}\n`);
  const {session} = options;

  const rl = readline.createInterface({input, output: interactive ? output : undefined, terminal: interactive, prompt: PROMPT, historySize: 200});
  let running: AbortController | undefined;
  let armed = false; // a Ctrl-C at the prompt: the next one leaves
  let closed = false;
  rl.on('close', () => (closed = true));
  const onInterrupt = () => {
    if (running) {
      running.abort();
      return;
    }
    if (!interactive || armed) {
      rl.close();
      return;
    }
    armed = true;
    output.write('\n');
    say('(Ctrl-C again or Ctrl-D to leave; /help for commands)');
    rl.prompt();
  };
  // At a terminal readline turns Ctrl-C into its own event; a piped chat gets the signal.
  rl.on('SIGINT', onInterrupt);
  const onSignal = () => onInterrupt();
  if (!interactive) process.on('SIGINT', onSignal);

  if (interactive) {
    say(`Chatting with ${session.currentModel ?? 'the network'} (${session.systemMessage ? 'with a system message' : 'no system message'}). /help for commands, Ctrl-D to leave.`);
    rl.prompt();
  }
  try {
    for await (const line of rl) {
      armed = false;
      const parsed = parseChatInput(line);
      if (parsed.kind === 'command') {
        if (parsed.name === 'exit') break;
        say(command(session, parsed.name, parsed.arg));
      } else if (parsed.kind === 'unknown') {
        say(`Unknown command /${parsed.name}; /help lists them (start a message with // to send a leading slash).`);
      } else if (parsed.kind === 'message') {
        running = new AbortController();
        let wrote = false;
        // A reasoning model's thoughts are shown dimmed at a terminal, and left out of a script's output.
        const thoughts = new ReasoningStream();
        const render = (parts: ReasoningPart[]) => {
          for (const p of parts) {
            if (p.kind === 'content') output.write(p.text);
            else if (interactive) output.write(`\x1b[2m${p.text}\x1b[22m`);
            else continue;
            wrote = true;
          }
        };
        try {
          const result = await session.send(parsed.text, {stop: running.signal, onText: show ? (text) => render(thoughts.push(text)) : undefined});
          if (show) render(thoughts.end());
          if (show && wrote) output.write('\n');
          say(options.summary(result));
        } catch (error) {
          if (wrote) output.write('\n');
          const stoppedFirst = running.signal.aborted;
          say(stoppedFirst ? chatErrorText(error) : `Error: ${chatErrorText(error)}`);
          if (!interactive && !stoppedFirst) return {ended: 'error', error};
        } finally {
          running = undefined;
        }
      }
      // Lines read before the input closed are still answered (a script piped in ends at once).
      if (interactive && !closed) rl.prompt();
    }
  } finally {
    process.off('SIGINT', onSignal);
    rl.close();
  }
  if (interactive) output.write('\n');
  return {ended: 'exit'};
}

function command(session: ChatSession, name: string, arg: string): string {
  switch (name) {
    case 'system':
      session.setSystem(arg);
      return arg ? 'System message set; history cleared.' : 'System message removed; history cleared.';
    case 'model':
      if (!arg) return `Model: ${session.currentModel ?? 'any (the first answer picks it)'}`;
      session.setModel(arg);
      return `Later turns go to ${arg}.`;
    case 'think': {
      if (!arg) return session.thinkBudget === undefined ? 'Thoughts: no bound (reasoning models think up to the answer limit).' : `Thoughts: at most ${session.thinkBudget} tokens per answer.`;
      if (/^(off|none)$/i.test(arg)) {
        session.setThinkBudget(undefined);
        return 'Thoughts: no bound.';
      }
      const n = /^\d+$/.test(arg) ? Number(arg) : NaN;
      if (!Number.isSafeInteger(n) || n > 1 << 20) return `/think takes a number of tokens (0–${1 << 20}) or off, not "${arg}".`;
      session.setThinkBudget(n);
      return `Thoughts: at most ${n} tokens per answer (reasoning models only; counted in the answer limit).`;
    }
    case 'cost':
      return `This chat: ${session.costLine()}`;
    case 'clear':
      session.clear();
      return 'History cleared.';
    default:
      return CHAT_HELP.map(([cmd, what]) => `${cmd.padEnd(16)} ${what}`).join('\n');
  }
}
