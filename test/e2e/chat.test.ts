// `cocoon chat` as a script (stdin piped: one user turn per line) against
// real providers on the devnet: history, slash commands, the paid stop on
// SIGINT without leaving the chat, and every answer paid exactly.
import {spawn} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parseTon} from '../../src/chain/units.js';
import {BIN, runCli} from '../helpers/cli.js';
import {MODEL, startMarket, type Market} from '../gateway/setup.js';

let market: Market;
beforeAll(async () => {
  market = await startMarket();
}, 240_000);
afterAll(() => market?.stop());

const chat = (args: string[], input: string) => runCli(['chat', '--model', MODEL, ...args], {home: market.home, env: market.env, input, timeoutMs: 120_000});
/** nanoGRAM the consumer has signed over to providers so far (every channel's signed total). */
async function spent(): Promise<bigint> {
  const r = await runCli(['channel', 'list', '--json'], {home: market.home, env: market.env, timeoutMs: 60_000});
  return (r.json.channels as Array<{signed: string}>).reduce((a, c) => a + parseTon(c.signed), 0n);
}
const nano = (gram: string) => parseTon(gram);

describe('cocoon chat, piped', () => {
  it('answers each line as a turn with the history, runs slash commands, stops at /exit, and pays exactly the sum of the turns', async () => {
    const before = await spent();
    const script = ['Once upon a time', '/cost', '/system You tell short stories.', 'The dog', '//slash is text', '/model', '/nonsense', '/exit', 'never sent'].join('\n') + '\n';
    const r = await chat(['--max-tokens', '16', '--temperature', '0', '--json'], script);
    expect(r.code, r.stderr).toBe(0);
    const view = r.json;
    expect(view.turns.map((t: {user: string}) => t.user)).toEqual(['Once upon a time', 'The dog', '/slash is text']);
    for (const t of view.turns) {
      expect(t.model).toBe(MODEL);
      expect(t.assistant.length).toBeGreaterThan(0);
      expect(t.usage.completionTokens).toBeGreaterThan(0);
    }
    // History: the second turn of a chat carries the first (the /system cleared it, so turn 3 carries turn 2 only).
    expect(view.turns[2].usage.promptTokens).toBeGreaterThan(view.turns[1].usage.promptTokens);
    const sum = view.turns.reduce((a: bigint, t: {cost: string}) => a + nano(t.cost), 0n);
    expect(BigInt(view.total.costNano)).toBe(sum);
    expect(view.total.turns).toBe(3);
    expect(r.stderr).toContain('This chat: 1 answer, ');
    expect(r.stderr).toContain('System message set; history cleared.');
    expect(r.stderr).toContain(`Model: ${MODEL}`);
    expect(r.stderr).toContain('Unknown command /nonsense');
    expect((await spent()) - before).toBe(sum);
  });

  it('without --json the answers stream to stdout, one per turn, and the cost lines go to stderr', async () => {
    const r = await chat(['--max-tokens', '12', '--temperature', '0'], 'Once upon a time\nThe cat\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(r.stderr.match(/ GRAM \(\d+ prompt \+ \d+ completion tokens\)/g)).toHaveLength(2);
    expect(r.stderr).toMatch(/this chat: 2 answers, \d+ prompt \+ \d+ completion tokens: [\d.]+ GRAM/);
  });

  it('a turn that fails ends the script with its error and a non-zero exit; nothing is paid for it', async () => {
    const before = await spent();
    const r = await runCli(['chat', '--model', 'no-such-model', '--json'], {home: market.home, env: market.env, input: 'hello\nagain\n', timeoutMs: 120_000});
    expect(r.code).not.toBe(0);
    expect(r.json.error.code).toBe('NOT_FOUND');
    expect(await spent()).toBe(before);
  });

  it('SIGINT stops the answer being written (paid for what arrived) and the chat goes on with the next line', async () => {
    const before = await spent();
    const child = spawn(process.execPath, [BIN, 'chat', '--model', MODEL, '--max-tokens', '1800', '--temperature', '2'], {
      env: {...process.env, CI: 'true', NO_COLOR: '1', COCOON_HOME: market.home, ...market.env, NODE_ENV: ''},
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stderr.on('data', (d) => (stderr += d));
    // Interrupted as soon as the answer's first text is out.
    const firstText = new Promise<void>((resolve) => child.stdout.on('data', (d) => ((stdout += d), resolve())));
    child.stdin.write('Tell me a very long story\n');
    await firstText;
    child.kill('SIGINT');
    child.stdin.end('/cost\nThe end\n');
    expect(await exited, stderr).toBe(0);
    const summaries = stderr.match(/— .*GRAM \((\d+) prompt \+ (\d+) completion tokens\)/g) ?? [];
    expect(summaries, stderr).toHaveLength(2);
    expect(summaries[0]).toContain('stopped early');
    expect(Number(/\+ (\d+) completion/.exec(summaries[0]!)![1])).toBeLessThan(1800);
    expect(stderr).toMatch(/This chat: 1 answer, /);
    const total = /this chat: 2 answers, \d+ prompt \+ \d+ completion tokens: ([\d.]+) GRAM/.exec(stderr);
    expect(total, stderr).not.toBeNull();
    expect((await spent()) - before).toBe(nano(total![1]!));
  });
});
