import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {toNano} from '@ton/core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BIN, runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';

const model = testModel();
const consumerHome = tempHome();
const providers: Array<{home: string; port: number; node?: Background; address?: string; price: string}> = [];
let env: Record<string, string>;

async function cli(home: string, args: string[], extra: Record<string, string> = {}) {
  return runCli(args, {home, env: {...env, ...extra}, timeoutMs: 120_000});
}
async function ok(home: string, args: string[], extra: Record<string, string> = {}) {
  const r = await cli(home, [...args, '--json'], extra);
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}
const nano = (ton: string) => BigInt(Math.round(Number(ton) * 1e9));

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off', COCOON_CHANNEL_CLOSE_DELAY: '15'};
  await ok(consumerHome, ['devnet', 'start', '--detach']);
  await ok(consumerHome, ['wallet', 'create', 'me']);
  await ok(consumerHome, ['devnet', 'fund', 'me', '20']);
  for (const price of ['50', '100']) {
    const home = tempHome();
    const port = await freePort();
    await ok(home, ['wallet', 'create', 'gpu']);
    await ok(home, ['devnet', 'fund', 'gpu', '5']);
    const reg = await ok(home, ['provide', 'register', '--model', model, '--model-name', 'stories', '--stake', '1', '--price-prompt', '1', '--price-completion', price, '--port', String(port), '--yes']);
    const node = await startBackground(['provide', 'start', '--threads', '1', '--settle-interval', '1', '--min-close-delay', '5'], {home, env, ready: /serving \S+/});
    providers.push({home, port, node, address: reg.record.owner, price});
  }
}, 240_000);

afterAll(async () => {
  for (const p of providers) p.node?.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home: consumerHome, env});
});

describe('ask and channels, through the CLI on the devnet', () => {
  it('lists both providers, cheapest first, live', async () => {
    const list = await ok(consumerHome, ['providers', 'list']);
    expect(list.providers.map((p: {priceCompletion: string; live: boolean}) => [p.priceCompletion, p.live])).toEqual([
      ['50', true],
      ['100', true],
    ]);
    const filtered = await ok(consumerHome, ['providers', 'list', '--max-price', '60', '--no-check']);
    expect(filtered.providers).toHaveLength(1);
  });

  it('`echo … | cocoon ask - --json` pays the provider that fits --max-price, exactly the receipt', async () => {
    const piped = await runCli(['ask', '-', '--json', '--max-price', '60', '--max-tokens', '40'], {home: consumerHome, env, input: 'Once upon a time\n', timeoutMs: 120_000});
    expect(piped.code, piped.stderr).toBe(0);
    const answer = piped.json;
    expect(Object.keys(answer)).toEqual(expect.arrayContaining(['text', 'usage', 'cost', 'provider', 'channel', 'receipt']));
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.provider.address).toBe(providers[0]!.address);
    expect(nano(answer.cost)).toBe(BigInt(answer.usage.promptTokens) * 1000n + BigInt(answer.usage.completionTokens) * 50_000n);
    const status = await ok(consumerHome, ['channel', 'status', providers[0]!.address!]);
    expect(status.signed).toBe(answer.cost);
    expect(nano(status.remaining)).toBe(nano(status.deposited) - nano(answer.cost));
  });

  it('fails clearly: no fitting provider, too little balance, no prompt', async () => {
    const none = await cli(consumerHome, ['ask', 'hi', '--max-price', '10']);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/No registered provider matches/);
    // More tokens than any node takes: refused before any money moves.
    const greedy = await cli(consumerHome, ['ask', 'hi', '--max-price', '60', '--max-tokens', '100000']);
    expect(greedy.code).toBe(2);
    expect(greedy.stderr).toMatch(/100000 completion tokens is more than any matching provider takes \(at most 4096\)/);
    // A 1.5 MB prompt is over every node's byte bound (its /v1/info limits.maxPromptBytes): refused before any money moves.
    const before = await ok(consumerHome, ['channel', 'status', providers[0]!.address!]);
    const huge = await runCli(['ask', '-', '--max-price', '60', '--max-tokens', '100'], {home: consumerHome, env, input: 'a '.repeat(750_000), timeoutMs: 120_000});
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/The prompt is 1500000 bytes of UTF-8; the matching providers take at most \d+[\s\S]*Shorten the prompt/);
    expect(await ok(consumerHome, ['channel', 'status', providers[0]!.address!])).toEqual(before);
    const empty = await cli(consumerHome, ['ask']);
    expect(empty.code).toBe(2);
    const noChain = await cli(consumerHome, ['ask', 'hi'], {COCOON_DEVNET_PORT: String(await freePort())});
    expect(noChain.code).toBe(6);
    expect(noChain.stderr).toMatch(/No devnet is running[\s\S]*cocoon devnet start --detach/);
  });

  it('prints only the answer on a pipe: no spinner, no colour, cost on stderr', async () => {
    const plain = await cli(consumerHome, ['ask', 'Once upon a time', '--max-price', '60', '--max-tokens', '20', '--temperature', '0']);
    expect(plain.code, plain.stderr).toBe(0);
    const json = await ok(consumerHome, ['ask', 'Once upon a time', '--max-price', '60', '--max-tokens', '20', '--temperature', '0']);
    expect(plain.stdout).toBe(json.text + '\n');
    expect(plain.stdout + plain.stderr).not.toMatch(/\u001b\[/);
    expect(plain.stderr).toMatch(/GRAM \(\d+ prompt \+ \d+ completion tokens\); trust: provider's process sees the plaintext/);
  });

  it('Ctrl-C in the middle of a stream stops the answer and pays exactly what arrived', async () => {
    const before = await ok(consumerHome, ['channel', 'status', providers[0]!.address!]);
    const child = spawn(process.execPath, [BIN, 'ask', 'Once upon a time', '--max-price', '60', '--max-tokens', '3000', '--temperature', '1'], {
      env: {...process.env, ...env, CI: 'true', COCOON_HOME: consumerHome, NODE_ENV: undefined},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent) child.kill('SIGINT');
      sent = true;
    });
    const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? s)));
    expect(code, err).toBe(0);
    expect(out.length, err).toBeGreaterThan(0);
    // The provider ended the answer; its receipt was checked and paid like any other.
    const summary = /— stopped early; \S+ by \S+: ([\d.]+) GRAM \((\d+) prompt \+ (\d+) completion tokens\)/.exec(err);
    expect(summary, err).not.toBeNull();
    expect(Number(summary![3])).toBeLessThan(3000);
    const after = await ok(consumerHome, ['channel', 'status', providers[0]!.address!]);
    expect(toNano(after.signed) - toNano(before.signed)).toBe(toNano(summary![1]!));
    // The next query goes through: nothing is left owed for the stopped answer.
    expect((await ok(consumerHome, ['ask', 'The cat', '--max-price', '60', '--max-tokens', '10'])).provider.address).toBe(providers[0]!.address);
  });

  it('falls back to the other provider when the cheap one is down', async () => {
    // The cheap node's signed info is cached from the earlier asks (a warm ask sends it no probe).
    const cache = path.join(consumerHome, 'data', 'cache');
    const live = () => fs.readdirSync(cache).filter((f) => f.startsWith('live-'));
    const cheap = live();
    expect(cheap).toHaveLength(1);
    providers[0]!.node!.child.kill('SIGKILL');
    await providers[0]!.node!.exited;
    const answer = await ok(consumerHome, ['ask', 'The dog', '--max-tokens', '20']);
    expect(answer.provider.address).toBe(providers[1]!.address);
    // The dead node's cached info is dropped (the next ask probes it); the one that answered is cached, fresh.
    expect(live()).toHaveLength(1);
    expect(live()).not.toEqual(cheap);
    const kept = JSON.parse(fs.readFileSync(path.join(cache, live()[0]!), 'utf8'));
    expect(Date.now() - kept.at).toBeLessThan(60_000);
    const list = await ok(consumerHome, ['channel', 'list']);
    expect(list.channels).toHaveLength(2);
  });

  it('close refunds the rest after the delay; the provider claimed what was signed', async () => {
    const target = providers[1]!.address!;
    // Spend enough that a claim is worth its fee (the provider skips claims below 0.005 TON).
    for (let i = 0; i < 10 && nano((await ok(consumerHome, ['channel', 'status', target])).signed) < 20_000_000n; i++) {
      await ok(consumerHome, ['ask', 'Once upon a time', '--max-tokens', '100']);
    }
    const status = await ok(consumerHome, ['channel', 'status', target]);
    expect(nano(status.signed)).toBeGreaterThanOrEqual(20_000_000n);
    const started = await ok(consumerHome, ['channel', 'close', target]);
    expect(started.action).toBe('started');
    const early = await ok(consumerHome, ['channel', 'close', target]);
    expect(early.action).toBe('waiting');
    // The close delay is 15 s: long enough that the 'waiting' call above lands inside it on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, 16_000));
    const finished = await ok(consumerHome, ['channel', 'close', target]);
    expect(finished.action).toBe('finished');
    const after = await ok(consumerHome, ['channel', 'status', target]);
    expect(after.state).toBe('closed');
    expect(after.claimed).toBe(status.signed); // the provider's node claimed before the deadline
    // The consumer gets back at least deposit − spent; on top come the channel's 0.005 TON storage
    // reserve and what the two close messages carried (0.05 TON each) less their gas.
    const left = nano(status.deposited) - nano(status.signed);
    expect(nano(finished.refund)).toBeGreaterThanOrEqual(left);
    expect(nano(finished.refund)).toBeLessThanOrEqual(left + 5_000_000n + 100_000_000n);
  }, 180_000);
});
