// Two providers' CPU per null-engine query, interleaved in one process:
//   COCOON_AB_A=<checkout> COCOON_AB_B=<checkout> node --import tsx bench/ab-provider.ts
// (default A and B: this checkout; COCOON_AB_TOKENS per answer, default 32;
// COCOON_AB_DELAY_MS per token, default 0; COCOON_AB_CONSUMERS, default 1). Each checkout's own src/provider/server.ts
// serves on 127.0.0.1, each driven by its own forked consumer
// (bench/lib/protocol-client.ts of this checkout, the same code for both); the
// two take turns in blocks of COCOON_AB_BLOCK queries (default 200) for
// COCOON_AB_ROUNDS rounds (default 10), ABBA, so that drift in the machine's
// load hits both alike. Only one provider works during a block, so this
// process's cpuUsage() over a block is that provider's. Prints the median of
// the per-block figures and the median of the pairwise B ÷ A ratios.
import path from 'node:path';
import {fork, type ChildProcess} from 'node:child_process';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {Address} from '@ton/core';
import type {ClientSetup, PhaseRequest, PhaseResult} from './lib/protocol-client.js';
import {median, ROOT} from './lib/result.js';

const consumerSeed = Buffer.alloc(32, 9);
const prompt = 'Once upon a time there was a little fox who wanted to see the sea.';
const tokens = Number(process.env.COCOON_AB_TOKENS ?? 32);
const block = Number(process.env.COCOON_AB_BLOCK ?? 200);
const rounds = Number(process.env.COCOON_AB_ROUNDS ?? 10);
const consumers = Number(process.env.COCOON_AB_CONSUMERS ?? 1);
// A delay per token makes each token its own event-loop turn, as a real engine's are (0: the null engine's bursts).
const delayMs = Number(process.env.COCOON_AB_DELAY_MS ?? 0);

interface Side {
  name: string;
  dir: string;
  child: ChildProcess;
  close(): Promise<void>;
  cpuUs: number[];
  p99Ms: number[];
}

async function start(name: string, dir: string): Promise<Side> {
  const src = (f: string) => import(pathToFileURL(path.join(dir, 'src', f)).href);
  const [{createProviderServer}, {NullEngine}, {TableChannelGuard}, {generateNodeKey}, {ed25519PublicKey}] = await Promise.all([
    src('provider/server.ts'),
    src('provider/null-engine.ts'),
    src('provider/channel-guard.ts'),
    src('crypto/node-key.ts'),
    src('crypto/ed25519.ts'),
  ]);
  const nodeKey = await generateNodeKey();
  const guard = new TableChannelGuard();
  for (let i = 0; i < consumers; i++) guard.set(new Address(0, Buffer.alloc(32, 7 + i)), {deposit: 10n ** 18n, consumerKey: ed25519PublicKey(consumerSeed)});
  const server = await createProviderServer({engine: new NullEngine({tokens, delayMs}), nodeKey, prices: {prompt: 1n, completion: 2n}, guard, rateLimit: {capacity: 1e9, refillPerSecond: 1e9}, maxTokens: 100_000});
  const setup: ClientSetup = {
    endpoint: server.url,
    x25519: Buffer.from(nodeKey.x25519PublicKey).toString('hex'),
    ed25519: Buffer.from(nodeKey.ed25519PublicKey).toString('hex'),
    consumerSeed: consumerSeed.toString('hex'),
    prompt,
    tokens,
  };
  const child = fork(fileURLToPath(new URL('./lib/protocol-client.ts', import.meta.url)), [JSON.stringify(setup)], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`protocol client exited with ${code}`)));
  });
  return {name, dir, child, close: () => server.close(), cpuUs: [], p99Ms: []};
}

function phase(side: Side, p: PhaseRequest): Promise<{cpuUs: number; result: PhaseResult}> {
  return new Promise((resolve, reject) => {
    const cpu = process.cpuUsage();
    side.child.once('message', (m: PhaseResult | {error: string}) => {
      const d = process.cpuUsage(cpu);
      if ('error' in m) reject(new Error(m.error));
      else resolve({cpuUs: d.user + d.system, result: m});
    });
    side.child.send(p);
  });
}

const dirA = path.resolve(process.env.COCOON_AB_A ?? ROOT);
const dirB = path.resolve(process.env.COCOON_AB_B ?? ROOT);
const a = await start('A', dirA);
const b = await start('B', dirB);
const run = async (side: Side, perConsumer: number, record: boolean) => {
  const {cpuUs, result} = await phase(side, {phase: 'ab', consumers, perConsumer, channelByte: 7, postEach: false});
  if (!record) return;
  side.cpuUs.push(cpuUs / result.queries);
  const lat = [...result.latenciesMs].sort((x, y) => x - y);
  side.p99Ms.push(lat[Math.min(lat.length - 1, Math.floor(0.99 * lat.length))]!);
};
// Warm both (JIT, caches), then ABBA.
await run(a, 300, false);
await run(b, 300, false);
for (let i = 0; i < rounds; i++) {
  const order = i % 2 === 0 ? [a, b] : [b, a];
  for (const side of order) await run(side, Math.ceil(block / consumers), true);
}
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});
for (const side of [a, b]) {
  const us = median(side.cpuUs);
  console.log(`${side.name} ${side.dir}: ${fmt(us)} µs provider CPU per query (${fmt(1e6 / us)} per CPU-second), p99 ${fmt(median(side.p99Ms), 2)} ms; blocks ${side.cpuUs.map((x) => fmt(x)).join(' ')}`);
}
const ratios = a.cpuUs.map((x, i) => b.cpuUs[i]! / x);
console.log(`B ÷ A provider CPU per query: median of pairs ${fmt(median(ratios), 3)} (${consumers} consumer${consumers > 1 ? 's' : ''}, ${tokens} tokens, ${rounds} rounds of ${block})`);
for (const side of [a, b]) side.child.send('exit');
await Promise.all([a.close(), b.close()]);
process.exit(0);
