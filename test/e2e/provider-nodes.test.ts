// Many nodes per wallet, through the built CLI on a devnet: one wallet registers
// two nodes (own node keys, models and prices), `provide status` shows both,
// `provide start --node b` serves b and a consumer's `ask` for b's model pays it,
// a rig serves both from one command (a crashed node restarted, Ctrl-C settling
// both), the node runs as a service unit, and unregistering a leaves b active.
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';

const home = tempHome();
const consumerHome = tempHome();
const model = testModel();
let env: Record<string, string>;
const ports: Record<string, number> = {};
let node: Background | undefined;

async function ok(args: string[], where = home) {
  const r = await runCli([...args, '--json'], {home: where, env, timeoutMs: 180_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

const offer = (name: string, completion: string) => [
  'provide', 'register', '--node', name, '--model', model, '--model-name', `stories-${name}`, '--stake', '1',
  '--price-prompt', '1', '--price-completion', completion, '--port', String(ports[name]), '--endpoint', `http://127.0.0.1:${ports[name]}`, '--yes',
];

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'wallet-pw', COCOON_NODE_PASSWORD: 'node-pw', COCOON_INFERENCE_GPU: 'off'};
  ports.a = await freePort();
  ports.b = await freePort();
  await ok(['devnet', 'start', '--detach']);
  await ok(['wallet', 'create', 'gpu']);
  await ok(['devnet', 'fund', 'gpu', '10']);
  await ok(['wallet', 'create', 'me'], consumerHome);
  await ok(['devnet', 'fund', 'me', '5'], consumerHome);
}, 180_000);

afterAll(async () => {
  node?.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home, env});
});

describe('several nodes from one wallet, through the CLI on the devnet', () => {
  it('registers two nodes of one wallet, each with its own key, and refuses the same node twice', async () => {
    const a = await ok(offer('a', '50'));
    const b = await ok(offer('b', '100'));
    expect([a.node, b.node]).toEqual(['a', 'b']);
    expect(a.nodeKeyCreated && b.nodeKeyCreated).toBe(true);
    expect(a.record.owner).toBe(b.record.owner);
    expect(a.record.nodeKey).not.toBe(b.record.nodeKey);
    expect([a.record.model, b.record.model]).toEqual(['stories-a', 'stories-b']);
    expect(fs.existsSync(path.join(home, 'data', 'node', 'a', 'node-key.json'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'data', 'node', 'b', 'node-key.json'))).toBe(true);
    expect(fs.existsSync(path.join(home, 'data', 'node', 'node-key.json'))).toBe(false);
    const twice = await runCli(offer('a', '50'), {home, env, timeoutMs: 120_000});
    expect(twice.code).toBe(3);
    expect(twice.stderr).toMatch(/This node is already registered[\s\S]*provide update/);
  });

  it('`provide status` lists both nodes; `--node` shows one', async () => {
    const status = await ok(['provide', 'status']);
    expect(status.nodes.map((n: {name: string}) => n.name)).toEqual(['a', 'b']);
    expect(status.registration).toBeUndefined(); // no default node on this machine
    const [a, b] = status.nodes;
    expect([a.registration.model, a.registration.priceCompletion, a.registration.status]).toEqual(['stories-a', '50', 'active']);
    expect([b.registration.model, b.registration.priceCompletion, b.registration.status]).toEqual(['stories-b', '100', 'active']);
    expect(a.node).toEqual({running: false, endpoint: `http://127.0.0.1:${ports.a}`});
    expect(a.wallet.address).toBe(b.wallet.address);
    const text = await runCli(['provide', 'status'], {home, env, timeoutMs: 120_000});
    expect(text.stdout).toMatch(/node\s+a\n[\s\S]*stories-a[\s\S]*node\s+b\n[\s\S]*stories-b/);
    const one = await ok(['provide', 'status', '--node', 'b']);
    expect(one.nodes).toHaveLength(1);
    expect(one.registration.model).toBe('stories-b');
    expect(one.name).toBe('b');
  });

  it('`provide service install --node a` writes a user unit systemd accepts, with the password only in a 0600 file; uninstall removes both', async () => {
    const xdg = tempHome('xdg-');
    const withXdg = {...env, XDG_CONFIG_HOME: xdg};
    const wrong = await runCli(['provide', 'service', 'install', '--node', 'a', '--no-start', '--json'], {home, env: {...withXdg, COCOON_NODE_PASSWORD: 'not-it'}, timeoutMs: 120_000});
    expect(wrong.code, wrong.stderr).toBe(4);
    expect(fs.existsSync(path.join(xdg, 'systemd'))).toBe(false);
    const r = await runCli(['provide', 'service', 'install', '--node', 'a', '--no-start', '--parallel', '2', '--json'], {home, env: withXdg, timeoutMs: 120_000});
    expect(r.code, r.stderr).toBe(0);
    const view = r.json;
    const unit = path.join(xdg, 'systemd', 'user', 'cocoon-provider-a.service');
    expect(view).toMatchObject({node: 'a', platform: 'systemd', scope: 'user', file: unit, unit: 'cocoon-provider-a.service', installed: true});
    expect(view.started).toBeUndefined();
    const text = fs.readFileSync(unit, 'utf8');
    expect(text).toMatch(/^ExecStart=\S+ \S+bin\/run\.js provide start --node a --parallel 2$/m);
    expect(text).toContain(`Environment=COCOON_HOME=${home}`);
    const secret = view.secretFiles.COCOON_NODE_PASSWORD;
    expect(text).toContain(`COCOON_NODE_PASSWORD_FILE=${secret}`);
    for (const out of [text, r.stdout, r.stderr]) expect(out).not.toContain('node-pw');
    expect(fs.readFileSync(secret, 'utf8')).toBe('node-pw\n');
    expect(fs.statSync(secret).mode & 0o777).toBe(0o600);
    const analyze = spawnSync('systemd-analyze', ['verify', unit], {encoding: 'utf8'});
    if (!analyze.error) expect(`${analyze.stdout}${analyze.stderr}`).not.toMatch(/Unknown|not executable|ignoring/i);
    // The unit's own way of reading the password works: `provide status` through COCOON_NODE_PASSWORD_FILE alone.
    const viaFile = await runCli(['provide', 'status', '--node', 'a', '--json'], {home, env: {...withXdg, COCOON_NODE_PASSWORD: '', COCOON_NODE_PASSWORD_FILE: secret}, timeoutMs: 120_000});
    expect(viaFile.code, viaFile.stderr).toBe(0);
    const status = await runCli(['provide', 'service', 'status', '--node', 'a', '--json'], {home, env: withXdg, timeoutMs: 120_000});
    expect(status.code, status.stderr).toBe(0);
    expect(status.json).toMatchObject({installed: true, file: unit, secretFiles: {COCOON_NODE_PASSWORD: secret}});
    expect(Object.keys(status.json.state).length).toBeGreaterThan(0); // systemd's answer, or why it could not be asked
    const gone = await runCli(['provide', 'service', 'uninstall', '--node', 'a', '--json'], {home, env: withXdg, timeoutMs: 120_000});
    expect(gone.code, gone.stderr).toBe(0);
    expect(fs.existsSync(unit)).toBe(false);
    expect(fs.existsSync(secret)).toBe(false);
    const again = await runCli(['provide', 'service', 'uninstall', '--node', 'a'], {home, env: withXdg, timeoutMs: 120_000});
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/No service is installed for node "a"/);
  });

  it('`provide start --node b` serves b’s model, and an ask for it is paid to the wallet', async () => {
    node = await startBackground(['provide', 'start', '--node', 'b', '--threads', '1', '--settle-interval', '3600'], {home, env, ready: /serving \S+/});
    expect(node.output()).toMatch(new RegExp(`serving stories-b .* at http://127\\.0\\.0\\.1:${ports.b}`));
    const answer = await ok(['ask', 'Once upon a time', '--model', 'stories-b', '--max-tokens', '12', '--yes'], consumerHome);
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.voucherPosted).toBe(true);
    expect(answer.provider.model).toBe('stories-b');
    expect(answer.provider.endpoint).toBe(`http://127.0.0.1:${ports.b}`);
    const cost = BigInt(answer.costNano);
    expect(cost).toBe(BigInt(answer.usage.promptTokens) * 1000n + BigInt(answer.usage.completionTokens) * 100_000n);
    const status = await ok(['provide', 'status']);
    const [a, b] = status.nodes;
    expect(answer.provider.address).toBe(b.registration.owner);
    expect(b.node).toMatchObject({running: true, queries: 1});
    expect(BigInt(b.earnings.earnedNano)).toBe(cost);
    expect(a.node.running).toBe(false);
    expect(a.earnings.earnedNano).toBe('0');
    // a is registered but not started: its model finds no node that answers.
    const none = await runCli(['ask', 'hi', '--model', 'stories-a', '--max-tokens', '4', '--yes'], {home: consumerHome, env, timeoutMs: 120_000});
    expect(none.code).toBe(10);
    expect(none.stderr).toMatch(/None of the 1 matching providers answers/);
  });

  it('one consumer pays two nodes of one wallet, each through its own channel', async () => {
    const nodeA = await startBackground(['provide', 'start', '--node', 'a', '--threads', '1', '--settle-interval', '3600'], {home, env, ready: /serving \S+/});
    try {
      const first = await ok(['ask', 'Once upon a time', '--model', 'stories-a', '--max-tokens', '6', '--yes'], consumerHome);
      expect(first).toMatchObject({voucherPosted: true, provider: {model: 'stories-a'}});
      // Back to b: its channel is b's alone, so b's ledger and the consumer's total still agree.
      const second = await ok(['ask', 'The cat', '--model', 'stories-b', '--max-tokens', '6', '--yes'], consumerHome);
      expect(second).toMatchObject({voucherPosted: true, provider: {model: 'stories-b'}});
      expect(second.channel.address).not.toBe(first.channel.address);
      const channels = (await ok(['channel', 'list'], consumerHome)).channels;
      expect(channels).toHaveLength(2);
      // Naming the provider alone is ambiguous now; the channel's own address is not.
      const ambiguous = await runCli(['channel', 'status', first.provider.address, '--json'], {home: consumerHome, env});
      expect(ambiguous.code).toBe(2);
      expect(ambiguous.json.error.message).toMatch(/2 channels to .*one per node/);
      expect((await ok(['channel', 'status', first.channel.address], consumerHome)).channel).toBe(first.channel.address);
    } finally {
      nodeA.child.kill('SIGINT');
      await nodeA.exited;
    }
  });

  it('`provide start --node a --node b` serves both as a rig: a crashed node is restarted, Ctrl-C settles both', async () => {
    node!.child.kill('SIGINT');
    await node!.exited;
    const rig = await startBackground(['provide', 'start', '--node', 'a', '--node', 'b', '--threads', '1', '--settle-interval', '3600', '--json'], {home, env, ready: /\[b\] serving[\s\S]*\[a\] serving|\[a\] serving[\s\S]*\[b\] serving/, timeoutMs: 120_000});
    try {
      expect(rig.output()).toMatch(/rig: serving a, b, one process each/);
      const one = await ok(['ask', 'Once upon a time', '--model', 'stories-a', '--max-tokens', '6', '--yes'], consumerHome);
      const two = await ok(['ask', 'Once upon a time', '--model', 'stories-b', '--max-tokens', '6', '--yes'], consumerHome);
      expect([one.provider.model, two.provider.model]).toEqual(['stories-a', 'stories-b']);
      // A node that dies is started again; the other keeps serving meanwhile.
      const pid = Number(/\[a\] started \(pid (\d+)\)/.exec(rig.output())![1]);
      process.kill(pid, 'SIGKILL');
      const during = await ok(['ask', 'The cat', '--model', 'stories-b', '--max-tokens', '4', '--yes'], consumerHome);
      expect(during.voucherPosted).toBe(true);
      const deadline = Date.now() + 90_000;
      while (!/\[a\] exited \(null\); restarting[\s\S]*\[a\] serving/.test(rig.output().split(`pid ${pid}`)[1] ?? '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      const again = await ok(['ask', 'The dog', '--model', 'stories-a', '--max-tokens', '4', '--yes'], consumerHome);
      expect(again.provider.model).toBe('stories-a');
      const status = await ok(['provide', 'status']);
      expect(status.nodes.map((n: any) => n.node.running)).toEqual([true, true]);
    } finally {
      rig.child.kill('SIGINT');
      expect(await rig.exited).toBe(0);
    }
    const out = rig.output();
    expect(out).toMatch(/\[a\] stopped \(exit 0, restarted 1×\)/);
    expect(out).toMatch(/\[b\] stopped \(exit 0\)/);
    const result = JSON.parse(out.slice(out.lastIndexOf('\n{') + 1));
    expect(result.nodes.map((n: any) => [n.node, n.exitCode, Array.isArray(n.result?.settled)])).toEqual([['a', 0, true], ['b', 0, true]]);
    // b alone again, for what follows.
    node = await startBackground(['provide', 'start', '--node', 'b', '--threads', '1', '--settle-interval', '3600'], {home, env, ready: /serving \S+/});
  }, 300_000);

  it('`provide unregister --node a` unbonds a only; b stays active and serving', async () => {
    const view = await ok(['provide', 'unregister', '--node', 'a', '--yes']);
    expect(view.model).toBe('stories-a');
    expect(view.status).toBe('unbonding');
    const status = await ok(['provide', 'status']);
    const [a, b] = status.nodes;
    expect(a.registration.status).toBe('unbonding');
    expect(b.registration.status).toBe('active');
    expect(b.node.running).toBe(true);
    const again = await runCli(['provide', 'unregister', '--node', 'a', '--yes'], {home, env, timeoutMs: 120_000});
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already unbonding/);
    const missing = await runCli(['provide', 'unregister', '--node', 'c', '--yes'], {home, env, timeoutMs: 120_000});
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no key for node "c"/);
    const answer = await ok(['ask', 'The dog', '--model', 'stories-b', '--max-tokens', '8', '--yes'], consumerHome);
    expect(answer.voucherPosted).toBe(true);
    const start = await runCli(['provide', 'start', '--node', 'a'], {home, env, timeoutMs: 120_000});
    expect(start.code).toBe(2);
    expect(start.stderr).toMatch(/unbonding/);
  });
});
