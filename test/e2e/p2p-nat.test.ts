import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BIN} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {testModel} from '../inference/model.js';

// A real NAT, made by the test in network namespaces: `home` (10.77.x.2) reaches `wan` (11.77.0.1) only
// through `router` (11.77.0.2 outside), which masquerades; nothing in `wan` can open a connection to `home`.
// The devnet, two relays and the consumer live in `wan`; the provider registers and serves from `home`, and
// listens on its private address too (for DCUtR). Needs root, iproute2 and iptables (`.ci/run` installs
// iptables as root; where any is missing this file says so and skips). The `wan` side uses 11.77.0.0/24,
// not a documentation range: libp2p's DCUtR treats 192.0.2.0/24 and the like as private and never dials them;
// the namespaces have no route to any real network, so the addresses reach nothing outside.
const id = randomBytes(2).toString('hex');
const ns = {wan: `cwan-${id}`, router: `crt-${id}`, home: `chome-${id}`};
const WAN_IP = '11.77.0.1';
const ROUTER_WAN_IP = '11.77.0.2';

function can(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ip', 'iptables']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
    } catch {
      return `no ${tool}`;
    }
  }
  try {
    execFileSync('ip', ['netns', 'add', `cprobe-${id}`], {stdio: 'ignore'});
    execFileSync('ip', ['netns', 'del', `cprobe-${id}`], {stdio: 'ignore'});
  } catch {
    return 'ip netns does not work here';
  }
  return undefined;
}
const missing = can();

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], {stdio: 'pipe'}).toString();

function makeNat(): void {
  const [w0, w1, l0, l1] = [`cw0${id}`, `cw1${id}`, `cl0${id}`, `cl1${id}`];
  sh(
    [
      `ip netns add ${ns.wan}`,
      `ip netns add ${ns.router}`,
      `ip netns add ${ns.home}`,
      `ip link add ${w0} netns ${ns.wan} type veth peer name ${w1} netns ${ns.router}`,
      `ip link add ${l0} netns ${ns.router} type veth peer name ${l1} netns ${ns.home}`,
      `ip -n ${ns.wan} addr add ${WAN_IP}/24 dev ${w0}`,
      `ip -n ${ns.router} addr add ${ROUTER_WAN_IP}/24 dev ${w1}`,
      `ip -n ${ns.router} addr add 10.77.0.1/24 dev ${l0}`,
      `ip -n ${ns.home} addr add 10.77.0.2/24 dev ${l1}`,
      ...[ns.wan, ns.router, ns.home].map((n) => `ip -n ${n} link set lo up`),
      `ip -n ${ns.wan} link set ${w0} up`,
      `ip -n ${ns.router} link set ${w1} up`,
      `ip -n ${ns.router} link set ${l0} up`,
      `ip -n ${ns.home} link set ${l1} up`,
      `ip -n ${ns.home} route add default via 10.77.0.1`,
      `ip netns exec ${ns.router} sysctl -qw net.ipv4.ip_forward=1`,
      `ip netns exec ${ns.router} iptables -t nat -A POSTROUTING -o ${w1} -j MASQUERADE`,
    ].join(' && '),
  );
}

let env: Record<string, string>;
const children: ChildProcess[] = [];

function spawnIn(where: string, home: string, args: string[], extra: Record<string, string> = {}): ChildProcess {
  const e: NodeJS.ProcessEnv = {...process.env, CI: 'true', NO_COLOR: '1', COCOON_HOME: home, ...env, ...extra};
  delete e.NODE_ENV;
  return spawn('ip', ['netns', 'exec', where, process.execPath, BIN, ...args], {env: e, stdio: ['ignore', 'pipe', 'pipe']});
}

async function cli(where: string, home: string, args: string[]): Promise<any> {
  const child = spawnIn(where, home, [...args, '--json']);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`cocoon ${args.join(' ')} in ${where} → ${code}\n${out}\n${err}`);
  return JSON.parse(out);
}

function background(where: string, home: string, args: string[], ready: RegExp, extra: Record<string, string> = {}): Promise<{child: ChildProcess; output: () => string}> {
  const child = spawnIn(where, home, args, extra);
  children.push(child);
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: cocoon ${args.join(' ')}\n${text}`)), 90_000);
    const on = (d: Buffer) => {
      text += d.toString();
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve({child, output: () => text});
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.on('exit', (code) => reject(new Error(`exited ${code}: cocoon ${args.join(' ')}\n${text}`)));
  });
}

const HOME_P2P_PORT = 4011;
const GATEWAY_P2P_PORT = 4999;
const GATEWAY_PORT = 8999;

/** A streamed chat completion through the gateway in `wan` (fetch run in that namespace): status and body. */
function gatewayChat(prompt: string): {status: number; body: string} {
  const req = {model: 'stories', stream: true, stream_options: {include_usage: true}, max_tokens: 40, messages: [{role: 'user', content: prompt}]};
  const js = `fetch('http://127.0.0.1:${GATEWAY_PORT}/v1/chat/completions',{method:'POST',headers:{'content-type':'application/json'},body:${JSON.stringify(JSON.stringify(req))}}).then(async r=>console.log(JSON.stringify({status:r.status,body:await r.text()})))`;
  return JSON.parse(execFileSync('ip', ['netns', 'exec', ns.wan, process.execPath, '-e', js], {timeout: 60_000}).toString());
}

/** Established TCP connections in `wan` from `remoteIp` to local port `port` (ss run in that namespace). */
function establishedFrom(remoteIp: string, port: number): number {
  const out = sh(`ip netns exec ${ns.wan} ss -Htn state established '( sport = :${port} )'`);
  return out.split('\n').filter((l) => l.includes(`${remoteIp}:`)).length;
}

/** Whether `from` can open a TCP connection to host:port (a short node one-liner run in that namespace). */
function connects(from: string, host: string, port: number): string {
  const js = `require('net').connect(${port},'${host}').on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)}).setTimeout(3000,()=>{console.log('timeout');process.exit(0)})`;
  return execFileSync('ip', ['netns', 'exec', from, process.execPath, '-e', js]).toString().trim();
}

describe.skipIf(missing !== undefined)(`a provider behind a real NAT (network namespaces)${missing ? `: skipped, ${missing}` : ''}`, () => {
  const consumerHome = tempHome();
  const providerHome = tempHome();
  let relays: string[] = [];
  let providerAddress = '';

  beforeAll(async () => {
    makeNat();
    env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_DEVNET_HOST: WAN_IP, COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off'};
    await cli(ns.wan, consumerHome, ['devnet', 'start', '--detach']);
    await cli(ns.wan, consumerHome, ['wallet', 'create', 'me']);
    await cli(ns.wan, consumerHome, ['devnet', 'fund', 'me', '20']);
    for (let i = 0; i < 2; i++) {
      // A fixed port, announced: libp2p hides a public address it has not verified.
      const addr = `/ip4/${WAN_IP}/tcp/${4001 + i}`;
      const r = await background(ns.wan, tempHome(), ['relay', 'start', '--listen', addr, '--announce', addr, '--json'], /"multiaddrs"/);
      relays.push(JSON.parse(r.output().split('\n').find((l) => l.includes('"multiaddrs"'))!).multiaddrs[0]);
    }
    // The provider reaches the chain through the NAT too.
    await cli(ns.home, providerHome, ['wallet', 'create', 'gpu']);
    await cli(ns.wan, providerHome, ['devnet', 'fund', 'gpu', '5']);
    await cli(ns.home, providerHome, ['provide', 'register', '--model', testModel(), '--model-name', 'stories', '--stake', '1', '--price-completion', '50', ...relays.flatMap((r) => ['--relay', r]), '--yes']);
    // A private listen address behind the NAT as well: nobody outside can dial it, but DCUtR may use it.
    await background(ns.home, providerHome, ['provide', 'start', '--threads', '1', '--p2p-listen', `/ip4/10.77.0.2/tcp/${HOME_P2P_PORT}`], /serving \S+/);
  }, 300_000);

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    try {
      execFileSync('ip', ['netns', 'exec', ns.wan, process.execPath, BIN, 'devnet', 'stop'], {env: {...process.env, COCOON_HOME: consumerHome, ...env}, stdio: 'ignore', timeout: 20_000});
    } catch {
      // already gone
    }
    for (const n of Object.values(ns)) execFileSync('ip', ['netns', 'del', n], {stdio: 'ignore'});
  });

  it('is a NAT: home reaches the internet side, nothing there reaches home', () => {
    const relayPort = Number(/\/tcp\/(\d+)/.exec(relays[0]!)![1]);
    expect(connects(ns.home, WAN_IP, relayPort)).toBe('connected');
    expect(connects(ns.wan, '10.77.0.2', 22)).toMatch(/ENETUNREACH|EHOSTUNREACH|timeout/);
    expect(connects(ns.wan, ROUTER_WAN_IP, 8740)).toMatch(/ECONNREFUSED|timeout/);
  });

  it('answers a paid ask from the internet side through a relay, and again after that relay dies', async () => {
    const answer = await cli(ns.wan, consumerHome, ['ask', 'Once upon a time', '--max-tokens', '30']);
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.provider.endpoint).toMatch(/^libp2p:\/\//);
    providerAddress = answer.provider.address;
    const status = await cli(ns.wan, consumerHome, ['channel', 'status', answer.provider.address]);
    expect(status.signed).toBe(answer.cost);
    children[0]!.kill('SIGKILL');
    const again = await cli(ns.wan, consumerHome, ['ask', 'The dog', '--max-tokens', '20']);
    expect(again.provider.address).toBe(answer.provider.address);
  }, 120_000);

  it('DCUtR: a consumer with a public address gets a direct connection from the provider behind the NAT, and is answered and paid over it with every relay dead', async () => {
    // The gateway (a consumer on a server) listens for libp2p on its public address.
    const gw = await background(ns.wan, consumerHome, ['gateway', '--port', String(GATEWAY_PORT)], /gateway listening on/, {COCOON_P2P_LISTEN: `/ip4/${WAN_IP}/tcp/${GATEWAY_P2P_PORT}`});
    expect(establishedFrom(ROUTER_WAN_IP, GATEWAY_P2P_PORT)).toBe(0);
    const first = gatewayChat('Once upon a time');
    expect(first.status, first.body).toBe(200);
    expect(first.body).toMatch(/data: \[DONE\]/);
    // The provider dialed the gateway back through its NAT (the connection comes from the router's outside address):
    // the relayed connection was upgraded to a direct one.
    let direct = 0;
    for (let i = 0; i < 50 && direct === 0; i++) {
      direct = establishedFrom(ROUTER_WAN_IP, GATEWAY_P2P_PORT);
      if (direct === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(direct, `no direct connection from the provider; gateway said:\n${gw.output()}`).toBeGreaterThan(0);
    // No relay is left: an answer now can only come over the direct connection, and it is paid for.
    children[1]!.kill('SIGKILL');
    const before = await cli(ns.wan, consumerHome, ['channel', 'status', providerAddress]);
    const second = gatewayChat('The dog');
    expect(second.status, second.body).toBe(200);
    expect(second.body).toMatch(/data: \[DONE\]/);
    const tokens = Number([...second.body.matchAll(/"completion_tokens":(\d+)/g)].at(-1)![1]);
    expect(tokens).toBeGreaterThan(0);
    // Paid: the consumer signed for more (the gateway pays each answer with the next voucher).
    const after = await cli(ns.wan, consumerHome, ['channel', 'status', providerAddress]);
    expect(Number(after.signed)).toBeGreaterThan(Number(before.signed));
    expect(establishedFrom(ROUTER_WAN_IP, GATEWAY_P2P_PORT)).toBeGreaterThan(0);
  }, 120_000);
});
