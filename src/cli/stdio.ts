import {CocoonError} from '../errors.js';

/** Everything piped into stdin, as UTF-8. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A prompt from the arguments, or from stdin for "-" (or no argument with a pipe); trailing newlines dropped. */
export async function readPrompt(positional: string[]): Promise<string> {
  let prompt = positional.join(' ');
  if (prompt === '-' || (prompt === '' && !process.stdin.isTTY)) prompt = await readStdin();
  prompt = prompt.replace(/\n+$/, '');
  if (!prompt.trim()) throw new CocoonError('USAGE', 'No prompt given.', {hint: 'Pass it as an argument, or pipe it in with `-`.'});
  return prompt;
}

/** Streamed answer text to stdout. */
export function writeText(text: string): void {
  process.stdout.write(text);
}
