// Protocol v2: several `cocoon ask` processes share one channel at once. Each
// answer adds exactly its receipt's cost to the channel's signed total (the
// record is changed under a file lock), the provider runs them side by side
// within its credit window, and after the last voucher what the provider holds
// equals what the consumer signed, equals the sum of the receipts.
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';

const model = testModel();
const consumerHome = tempHome();
const providerHome = tempHome();
let env: Record<string, string>;
let node: Background | undefined;

async function ok(home: string, args: string[]) {
  const r = await runCli([...args, '--json'], {home, env, timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off'};
  await ok(consumerHome, ['devnet', 'start', '--detach']);
  await ok(consumerHome, ['wallet', 'create', 'me']);
  await ok(consumerHome, ['devnet', 'fund', 'me', '10']);
  await ok(providerHome, ['wallet', 'create', 'gpu']);
  await ok(providerHome, ['devnet', 'fund', 'gpu', '5']);
  const port = await freePort();
  await ok(providerHome, ['provide', 'register', '--model', model, '--model-name', 'stories', '--stake', '1', '--price-prompt', '1', '--price-completion', '50', '--port', String(port), '--yes']);
  node = await startBackground(['provide', 'start', '--threads', '1', '--parallel', '2', '--settle-interval', '3600'], {home: providerHome, env, ready: /serving \S+/});
}, 240_000);

afterAll(async () => {
  node?.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home: consumerHome, env});
});

describe('one channel, several processes', () => {
  it('pays every answer of concurrent `cocoon ask` processes exactly, and the provider holds the same total', async () => {
    const first = await ok(consumerHome, ['ask', 'Once upon a time', '--max-tokens', '8', '--yes']);
    const costs = [BigInt(first.costNano)];
    // Three rounds of three processes at once on the channel the first ask opened.
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(
        [0, 1, 2].map((i) => runCli(['ask', `Story ${round}.${i}: the`, '--max-tokens', String(6 + i), '--json'], {home: consumerHome, env, timeoutMs: 120_000})),
      );
      for (const r of runs) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.json.channel.address).toBe(first.channel.address);
        costs.push(BigInt(r.json.costNano));
      }
    }
    const sum = costs.reduce((a, b) => a + b, 0n);
    // The consumer's record: the signed total is the sum, nothing left running.
    const dir = path.join(consumerHome, 'data', 'consumer', 'devnet', 'channels');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const record = JSON.parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8'));
    expect(BigInt(record.paid)).toBe(sum);
    expect(record.receipts).toHaveLength(costs.length);
    expect(fs.existsSync(path.join(dir, 'running')) ? fs.readdirSync(path.join(dir, 'running')) : []).toEqual([]);
    // The provider: its newest voucher is the same total, and nothing is charged beyond it.
    const status = await ok(providerHome, ['provide', 'status']);
    expect(BigInt(status.earnings.earnedNano)).toBe(sum);
    expect(status.channels).toHaveLength(1);
    expect(status.channels[0].unpaidAnswers).toBe(0);
  }, 300_000);
});
