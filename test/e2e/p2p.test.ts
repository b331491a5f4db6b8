import fs from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';

// A provider with no inbound port, reachable only through `cocoon relay start` on loopback: paid asks, a
// gateway, long answers and relay failover, all through the built CLI as separate processes on the devnet.
const model = testModel();
const consumerHome = tempHome();
const providerHome = tempHome();
let env: Record<string, string>;
const relays: Array<{bg: Background; addrs: string[]; peerId: string}> = [];
let provider: Background;
let gateway: Background | undefined;
let gatewayPort = 0;
let owner = '';

async function ok(home: string, args: string[], extra: Record<string, string> = {}) {
  const r = await runCli([...args, '--json'], {home, env: {...env, ...extra}, timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}
const nano = (ton: string) => BigInt(Math.round(Number(ton) * 1e9));

async function startRelayProcess() {
  const bg = await startBackground(['relay', 'start', '--json'], {home: tempHome(), env, ready: /"multiaddrs"/});
  const view = JSON.parse(bg.output().split('\n').find((l) => l.includes('"multiaddrs"'))!) as {multiaddrs: string[]; peerId: string; public: boolean};
  expect(view.public).toBe(false);
  return {bg, addrs: view.multiaddrs, peerId: view.peerId};
}

/** TCP sockets a process listens on (its fds against /proc/net/tcp{,6} rows in state 0A, LISTEN). */
function listeningSockets(pid: number): number {
  const inodes = new Set(
    fs
      .readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((x): x is string => x !== undefined),
  );
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) n++;
    }
  }
  return n;
}

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off', COCOON_CHANNEL_CLOSE_DELAY: '15'};
  await ok(consumerHome, ['devnet', 'start', '--detach']);
  await ok(consumerHome, ['wallet', 'create', 'me']);
  await ok(consumerHome, ['devnet', 'fund', 'me', '20']);
  relays.push(await startRelayProcess(), await startRelayProcess());
  await ok(providerHome, ['wallet', 'create', 'gpu']);
  await ok(providerHome, ['devnet', 'fund', 'gpu', '5']);
  const relayFlags = relays.flatMap((r) => ['--relay', r.addrs[0]!]);
  const reg = await ok(providerHome, ['provide', 'register', '--model', model, '--model-name', 'stories', '--stake', '1', '--price-prompt', '1', '--price-completion', '50', ...relayFlags, '--yes']);
  owner = reg.record.owner;
  expect(reg.record.endpoint).toMatch(/^libp2p:\/\/12D3KooW\w{44}$/);
  provider = await startBackground(['provide', 'start', '--threads', '1', '--settle-interval', '1', '--min-close-delay', '5'], {home: providerHome, env, ready: /serving \S+/});
}, 240_000);

afterAll(async () => {
  gateway?.child.kill('SIGKILL');
  provider?.child.kill('SIGKILL');
  for (const r of relays) r.bg.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home: consumerHome, env});
});

describe('a provider behind NAT, through libp2p relays', () => {
  it('binds no listening TCP port, and is listed live through its relays', async () => {
    expect(provider.output()).toMatch(/serving stories .* at libp2p:\/\/12D3KooW/);
    expect(listeningSockets(provider.child.pid!)).toBe(0);
    // The relays do listen (the check itself can see a listener).
    expect(listeningSockets(relays[0]!.bg.child.pid!)).toBeGreaterThan(0);
    const list = await ok(consumerHome, ['providers', 'list']);
    expect(list.providers).toHaveLength(1);
    expect(list.providers[0].live, list.providers[0].down).toBe(true);
    expect(list.providers[0].endpoint).toMatch(/^libp2p:\/\//);
  });

  it('answers a paid `ask`, and the consumer pays exactly the receipt', async () => {
    const answer = await ok(consumerHome, ['ask', 'Once upon a time', '--max-tokens', '40']);
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.provider.address).toBe(owner);
    expect(nano(answer.cost)).toBe(BigInt(answer.usage.promptTokens) * 1000n + BigInt(answer.usage.completionTokens) * 50_000n);
    const status = await ok(consumerHome, ['channel', 'status', owner]);
    expect(status.signed).toBe(answer.cost);
  });

  it('`provide status` sees the node running through its relays (it has no HTTP port to probe) and reads its figures', async () => {
    const report = await ok(providerHome, ['provide', 'status']);
    expect(report.node.running).toBe(true);
    expect(report.node.via).toBe('libp2p');
    expect(report.node.endpoint).toMatch(/^libp2p:\/\/12D3KooW/);
    // /v1/info (signed by the node key) and /metrics came over the relay: the ask above is counted.
    expect(report.node.queries).toBeGreaterThanOrEqual(1);
    expect(report.node.load.parallel).toBeGreaterThan(0);
  });

  it('streams a long answer whole through the relay (past libp2p’s 128 KiB / 2 min defaults on a warm gateway connection)', async () => {
    gatewayPort = await freePort();
    gateway = await startBackground(['gateway', '--port', String(gatewayPort)], {home: consumerHome, env, ready: /gateway listening on/});
    let bytes = 0;
    let tokens = 0;
    // One warm relayed connection carries every request: together far more than 128 KiB of frames.
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat/completions`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({model: 'stories', stream: true, stream_options: {include_usage: true}, max_tokens: 300, temperature: 1, messages: [{role: 'user', content: `Once upon a time ${i}`}]}),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      bytes += text.length;
      expect(text).toMatch(/data: \[DONE\]/);
      const usage = [...text.matchAll(/"completion_tokens":(\d+)/g)].map((m) => Number(m[1]));
      tokens += usage.at(-1) ?? 0;
    }
    expect(tokens).toBeGreaterThan(256 * 4);
    expect(bytes).toBeGreaterThan(128 * 1024);
  }, 180_000);

  it('fails over to the second relay when the first dies: the provider keeps its other reservation, and consumers reach it', async () => {
    relays[0]!.bg.child.kill('SIGKILL');
    await relays[0]!.bg.exited;
    // A fresh consumer process dials the first relay (refused), then the second.
    const answer = await ok(consumerHome, ['ask', 'The dog', '--max-tokens', '20']);
    expect(answer.provider.address).toBe(owner);
    // The gateway's warm connection went through the dead relay: its next request dials again.
    const res = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat/completions`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({model: 'stories', max_tokens: 20, messages: [{role: 'user', content: 'The cat'}]}),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as {choices: Array<{message: {content: string}}>}).choices[0]!.message.content.length).toBeGreaterThan(0);
    expect(provider.output()).toMatch(/reservation lost/);
  }, 120_000);
});
