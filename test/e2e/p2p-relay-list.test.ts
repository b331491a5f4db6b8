import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';

// Relays listed on chain (src/consumer/relay-listing.ts, src/app/relay.ts): an operator lists a relay with
// `relay register` (a kind-3 registry record under `cocoon/relay`, staked), serves it with `relay start --node`
// (the same peer id), `relay list` dials each listed relay, and a provider's `--relay auto` picks the listed
// relays that answer, so it is reached with no relay address typed anywhere. A second listed relay is down.
const consumerHome = tempHome();
const operatorHome = tempHome();
const providerHome = tempHome();
let env: Record<string, string>;
let relay: Background | undefined;
let provider: Background | undefined;
let livePort = 0;
let deadPort = 0;
let listed = {peerId: '', multiaddrs: [] as string[]};
let dead = {peerId: ''};

async function ok(home: string, args: string[]) {
  const r = await runCli([...args, '--json'], {home, env, timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off'};
  [livePort, deadPort] = [await freePort(), await freePort()];
  await ok(consumerHome, ['devnet', 'start', '--detach']);
  await ok(consumerHome, ['wallet', 'create', 'me']);
  await ok(consumerHome, ['devnet', 'fund', 'me', '20']);
  await ok(operatorHome, ['wallet', 'create', 'op']);
  await ok(operatorHome, ['devnet', 'fund', 'op', '10']);
  await ok(providerHome, ['wallet', 'create', 'gpu']);
  await ok(providerHome, ['devnet', 'fund', 'gpu', '5']);
}, 240_000);

afterAll(async () => {
  provider?.child.kill('SIGKILL');
  relay?.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home: consumerHome, env});
});

describe('relays listed on chain', () => {
  it('`relay register` lists a relay (kind 3, staked); `relay start --node` serves it under the listed peer id', async () => {
    listed = await ok(operatorHome, ['relay', 'register', '--node', 'relay', '--announce', `/ip4/127.0.0.1/tcp/${livePort}`, '--stake', '1', '--yes']);
    expect(listed.peerId).toMatch(/^12D3KooW\w{44}$/);
    expect(listed.multiaddrs).toEqual([`/ip4/127.0.0.1/tcp/${livePort}/p2p/${listed.peerId}`]);
    // A second listing whose relay never runs.
    dead = await ok(operatorHome, ['relay', 'register', '--node', 'relay2', '--announce', `/ip4/127.0.0.1/tcp/${deadPort}`, '--stake', '2', '--yes']);
    expect(dead.peerId).not.toBe(listed.peerId);
    relay = await startBackground(['relay', 'start', '--node', 'relay', '--listen', `/ip4/127.0.0.1/tcp/${livePort}`, '--json'], {home: operatorHome, env, ready: /"multiaddrs"/});
    const view = JSON.parse(relay.output().split('\n').find((l) => l.includes('"multiaddrs"'))!);
    expect(view.peerId).toBe(listed.peerId);
  });

  it('`relay list` shows both, the live one first after dialing each', async () => {
    const unchecked = await ok(consumerHome, ['relay', 'list', '--no-check']);
    // Largest stake first without a check: the dead one (2 GRAM) leads.
    expect(unchecked.relays.map((r: {peerId: string}) => r.peerId)).toEqual([dead.peerId, listed.peerId]);
    const {relays} = await ok(consumerHome, ['relay', 'list']);
    expect(relays).toHaveLength(2);
    expect(relays[0]).toMatchObject({peerId: listed.peerId, live: true, multiaddrs: listed.multiaddrs});
    expect(relays[0].rttMs).toBeGreaterThan(0);
    expect(relays[1]).toMatchObject({peerId: dead.peerId, live: false});
  });

  it('`provide register --relay auto` publishes the listed relay that answers (not the dead one); the node is reached and paid through it', async () => {
    const reg = await ok(providerHome, ['provide', 'register', '--model', testModel(), '--model-name', 'stories', '--stake', '1', '--price-completion', '50', '--relay', 'auto', '--yes']);
    expect(reg.record.endpoint).toMatch(/^libp2p:\/\//);
    provider = await startBackground(['provide', 'start', '--threads', '1'], {home: providerHome, env, ready: /serving \S+/});
    // The record's relays are what `provide start` reserves: the live listed one only.
    await expect.poll(() => provider!.output(), {timeout: 20_000}).toMatch(new RegExp(`relay \\S*${listed.peerId}: reserved`));
    expect(provider.output()).not.toContain(dead.peerId);
    const answer = await ok(consumerHome, ['ask', 'Once upon a time', '--model', 'stories', '--max-tokens', '20']);
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.provider.endpoint).toBe(reg.record.endpoint);
  }, 120_000);
});
