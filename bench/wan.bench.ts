/**
 * The market over loopback and over an emulated WAN, in one run (npm run build first):
 *
 *   node --import tsx bench/wan.bench.ts
 *
 * A devnet, a provider (node-llama-cpp, 4 sequences, as `provide start
 * --parallel 4`) registered with its endpoint behind a delay proxy
 * (bench/lib/delay-proxy.ts), and consumers. Each part runs twice: on loopback
 * (proxies pass bytes at once), then through the WAN shape:
 *   - provider: 50 ms round trip, a new connection costs 1 more (TCP);
 *   - consumer → chain endpoint: 100 ms, a new connection 2 more (TCP + TLS),
 *     1 request/s, HTTP 429 with toncenter's body beyond it (its free tier),
 *     and the consumer configured as on testnet without an API key (1 request/s);
 *   - provider → chain endpoint: 100 ms, 10 requests/s (a provider with an API key).
 * Measured:
 *   (a) a fresh `cocoon ask --max-tokens 4` process: first text and exit, less a
 *       `cocoon --version` start-up, with the registry cache cold and warm;
 *   (b) a warm in-process SDK ask() (registry read cached, channel known): its
 *       time to first text over node-llama-cpp's own for the same 4 tokens;
 *   (c) one `cocoon gateway` process to the provider: answers/s at 1, 4 and 16
 *       closed-loop clients for 8-token answers, and tokens/s for 256-token
 *       answers, against node-llama-cpp driven directly on a 4-sequence context
 *       with min(clients, 4) generations at once (the provider's most).
 * Added time is also given in provider round trips (ms ÷ 50).
 * Env: COCOON_BENCH_WAN_ROUNDS (CLI and SDK rounds, default 4), COCOON_BENCH_WAN_WINDOW_S (seconds
 * counted per load level, default 4, after 1 s not counted, 6 s for the first level).
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {toNano} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {getLlama, LlamaCompletion, LlamaLogLevel} from 'node-llama-cpp';
import {ask, ChainClient, ChannelStore, FundingPolicy} from '../src/index.js';
import {explainExit} from '../src/chain/exit-messages.js';
import {parseAddress} from '../src/chain/units.js';
import {resolvePaths} from '../src/config/paths.js';
import {generateNodeKey} from '../src/crypto/node-key.js';
import {fundFromFaucet} from '../src/devnet/faucet.js';
import {DevnetServer} from '../src/devnet/server.js';
import {createEngine} from '../src/inference/engine.js';
import {readGgufModelInfo} from '../src/inference/gguf.js';
import {modelSha256} from '../src/inference/hash.js';
import {startProviderNode} from '../src/provider/node.js';
import {buildProfile, registerProvider} from '../src/provider/registration.js';
import {WalletSender} from '../src/wallet/wallet-sender.js';
import {BIN, runCli} from '../test/helpers/cli.js';
import {freePort} from '../test/helpers/disk.js';
import {startBackground} from '../test/helpers/process.js';
import {startDelayProxy, type DelayShape} from './lib/delay-proxy.js';
import {emitResult, median, requireBenchModel} from './lib/result.js';

const modelPath = path.resolve(requireBenchModel('wan.bench'));
const threads = Number(process.env.COCOON_BENCH_THREADS ?? 1);
const rounds = Number(process.env.COCOON_BENCH_WAN_ROUNDS ?? 4);
const windowS = Number(process.env.COCOON_BENCH_WAN_WINDOW_S ?? 4);
// Seconds not counted at the start of each load level. The short-answer levels run first, one after
// another, and the first of them long enough to spend the gateway's burst allowance (24 requests,
// refilled at 9/s: over the WAN that takes ~6 s), so that what is counted is its steady rate.
const WARM_S = {first: 6, next: 1};
const PARALLEL = 4;
const CLIENTS = [1, 4, 16];
const SHORT = 8;
const LONG = 256;
const WAN = {providerRttMs: 50, chainRttMs: 100, chainRps: 1, providerChainRps: 10};
const SHAPES: Record<'loopback' | 'wan', {provider: DelayShape; providerChain: DelayShape; chain?: DelayShape}> = {
  loopback: {provider: {delayMs: 0}, providerChain: {delayMs: 0}},
  wan: {
    provider: {delayMs: WAN.providerRttMs, connectRoundTrips: 1},
    providerChain: {delayMs: WAN.chainRttMs, connectRoundTrips: 2, requestsPerSecond: WAN.providerChainRps},
    chain: {delayMs: WAN.chainRttMs, connectRoundTrips: 2, requestsPerSecond: WAN.chainRps},
  },
};
type Mode = keyof typeof SHAPES;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-wan-bench-'));
process.env.COCOON_HOME = path.join(dir, 'sdk-home'); // the SDK's discovery cache
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
console.log(`# wan bench: ${path.basename(modelPath)}, ${threads} thread(s), provider --parallel ${PARALLEL}, ${rounds} rounds, ${windowS} s windows; ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);

// --- the market: devnet, proxies, provider registered behind its proxy
const t0 = performance.now();
const devnet = await DevnetServer.start({dir: path.join(dir, 'devnet'), port: 0});
const devnetPort = Number(new URL(devnet.url).port);
const target = {host: '127.0.0.1', port: devnetPort};
const chainProxy = await startDelayProxy({target, ...SHAPES.wan.chain!}); // the consumers' WAN path only
const providerChainProxy = await startDelayProxy({target, ...SHAPES.loopback.providerChain});
const providerPort = await freePort();
const providerProxy = await startDelayProxy({target: {host: '127.0.0.1', port: providerPort}, ...SHAPES.loopback.provider});
const setMode = (mode: Mode) => {
  providerProxy.set(SHAPES[mode].provider);
  providerChainProxy.set(SHAPES[mode].providerChain);
};
const registry = parseAddress(devnet.info().contracts.registry!);
const setupClient = await ChainClient.connect({network: 'devnet', endpoint: `${devnet.url}/jsonRPC`});
async function wallet(client: ChainClient, ton: number) {
  const sender = await WalletSender.create({client, keyPair: await mnemonicToPrivateKey(await mnemonicNew()), explainExit, pollMs: 20});
  await fundFromFaucet({url: devnet.url, address: sender.address, amount: toNano(ton)});
  return sender;
}
const providerClient = await ChainClient.connect({network: 'devnet', endpoint: `${providerChainProxy.url}/jsonRPC`, rps: WAN.providerChainRps});
const providerSender = await wallet(providerClient, 5);
const nodeKey = await generateNodeKey();
const info = await readGgufModelInfo(modelPath);
const sha256 = await modelSha256(modelPath, {cache: false});
const name = path.basename(modelPath).replace(/\.gguf$/i, '');
const profile = {model: name, architecture: info.architecture, modelSha256: sha256, contextSize: info.contextLength, queriesPerDay: 10_000, promptPrice: 50n, completionPrice: 200n, endpoint: providerProxy.url};
await registerProvider({client: setupClient, registry, sender: providerSender}, {profile: buildProfile(profile, nodeKey), stake: toNano(1)});
const node = await startProviderNode({
  client: providerClient, registry, wallet: providerSender.address, nodeKey, modelPath,
  createEngine: (o) => createEngine({...o, gpu: false, threads, parallel: PARALLEL, hash: false}),
  hashModel: async () => sha256, ledgerDir: path.join(dir, 'ledger'), port: providerPort,
  claimThreshold: toNano(1), settleIntervalMs: 3_600_000, minCloseDelay: 60,
});
const contextSize = node.engine.model.contextSize;

// The CLI consumer: a wallet in its own home, funded; its first ask opens the channel.
const home = path.join(dir, 'cli-home');
const registryText = registry.toString();
const cliEnv = (mode: Mode): Record<string, string> => ({
  COCOON_WALLET_PASSWORD: 'bench', COCOON_DEVNET_REGISTRY: registryText, COCOON_INFERENCE_GPU: 'off',
  ...(mode === 'wan' ? {COCOON_DEVNET_PORT: String(chainProxy.port), COCOON_DEVNET_RPS: String(WAN.chainRps)} : {COCOON_DEVNET_PORT: String(devnetPort)}),
});
for (const args of [['wallet', 'create', 'me'], ['devnet', 'fund', 'me', '5'], ['ask', 'Once upon a time', '--max-tokens', '4', '--yes']]) {
  const r = await runCli([...args, '--json'], {home, env: cliEnv('loopback'), timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
}
// The SDK consumer: a wallet in this process; its first ask opens its channel.
const sdkSender = await wallet(setupClient, 5);
const sdkStore = new ChannelStore('devnet', path.join(dir, 'sdk-channels'));
const sdkClients: Record<Mode, ChainClient> = {
  loopback: await ChainClient.connect({network: 'devnet', endpoint: `${devnet.url}/jsonRPC`}),
  wan: await ChainClient.connect({network: 'devnet', endpoint: `${chainProxy.url}/jsonRPC`, rps: WAN.chainRps}),
};
const funding = new FundingPolicy({client: setupClient, store: sdkStore, wallet: async () => ({name: 'sdk', sender: sdkSender}), deposit: toNano(1), closeDelay: 3600, mode: 'never'});

// node-llama-cpp alone, same model, threads and context size: one sequence for (b), four for (c).
const llama = await getLlama({gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.error});
const model = await llama.loadModel({modelPath});
const single = new LlamaCompletion({contextSequence: (await model.createContext({contextSize, threads, sequences: 1})).getSequence()});
const wide = await model.createContext({contextSize, threads, sequences: PARALLEL});
const lanes = Array.from({length: PARALLEL}, () => new LlamaCompletion({contextSequence: wide.getSequence()}));
async function direct(completion: LlamaCompletion, prompt: string, maxTokens: number) {
  const started = performance.now();
  let first = 0;
  let tokens = 0;
  await completion.generateCompletion(prompt, {maxTokens, temperature: 0, onTextChunk: () => void (first ||= performance.now()), onToken: (t) => void (tokens += t.length)});
  return {ttftMs: first - started, tokens};
}
console.log(`market ready in ${fmt((performance.now() - t0) / 1000, 1)} s: devnet ${devnet.url}, provider ${node.url} behind ${providerProxy.url}, context ${contextSize}`);

// --- (a) fresh CLI processes
function timeCli(args: string[], env: Record<string, string>) {
  return new Promise<{firstMs: number; totalMs: number}>((resolve, reject) => {
    const e: NodeJS.ProcessEnv = {...process.env, CI: 'true', NO_COLOR: '1', COCOON_HOME: home, ...env};
    delete e.NODE_ENV;
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {env: e, stdio: ['ignore', 'pipe', 'pipe']});
    let first = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (first ||= d.toString().trim() ? performance.now() : 0));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({firstMs: first - started, totalMs: performance.now() - started}) : reject(new Error(`cocoon ${args.join(' ')} → ${code}\n${err}`))));
  });
}
const cacheDir = path.join(resolvePaths({COCOON_HOME: home}).dataDir, 'cache');
async function cliRounds(mode: Mode) {
  const version: number[] = [];
  const arms = {cold: [] as Array<{firstMs: number; totalMs: number}>, warm: [] as Array<{firstMs: number; totalMs: number}>};
  const counted = {chainRequests: 0, refused: 0, providerConnections: 0};
  for (let i = 0; i < rounds; i++) {
    version.push((await timeCli(['--version'], cliEnv(mode))).totalMs);
    for (const arm of ['cold', 'warm'] as const) {
      if (arm === 'cold') fs.rmSync(cacheDir, {recursive: true, force: true});
      await sleep(mode === 'wan' ? 1100 : 350); // the chain's second and the provider's rate limit, off the clock
      const before = {c: chainProxy.requests, r: chainProxy.refused, p: providerProxy.accepted};
      arms[arm].push(await timeCli(['ask', `Once upon a time, story ${i + 1} began`, '--max-tokens', '4', '--temperature', '0'], cliEnv(mode)));
      if (arm === 'warm') Object.assign(counted, {chainRequests: counted.chainRequests + chainProxy.requests - before.c, refused: counted.refused + chainProxy.refused - before.r, providerConnections: counted.providerConnections + providerProxy.accepted - before.p});
    }
  }
  const versionMs = median(version);
  const view = (xs: Array<{firstMs: number; totalMs: number}>) => ({firstTextMs: median(xs.map((x) => x.firstMs)), totalMs: median(xs.map((x) => x.totalMs)), addedFirstTextMs: median(xs.map((x) => x.firstMs)) - versionMs});
  return {versionMs, cold: view(arms.cold), warm: view(arms.warm), perWarmAsk: {chainRequests: counted.chainRequests / rounds, refused429: counted.refused / rounds, providerConnections: counted.providerConnections / rounds}};
}

// --- (b) warm SDK asks against direct generation
async function sdkRounds(mode: Mode) {
  const sdk: number[] = [];
  const base: number[] = [];
  const before = {c: chainProxy.requests, p: providerProxy.accepted};
  for (let i = 0; i < rounds * 2 + 1; i++) {
    const prompt = `Once upon a time, story ${i + 1} began`;
    base.push((await direct(single, prompt, 4)).ttftMs);
    await sleep(350);
    const started = performance.now();
    let first = 0;
    await ask({client: sdkClients[mode], registry, store: sdkStore, prompt, maxTokens: 4, temperature: 0, filter: {model: name}, funding, onText: () => void (first ||= performance.now())});
    sdk.push(first - started);
  }
  const n = rounds * 2 + 1;
  return {askFirstTextMs: median(sdk), directFirstTextMs: median(base), addedMs: median(sdk.map((s, i) => s - base[i]!)), perAsk: {chainRequests: mode === 'wan' ? (chainProxy.requests - before.c) / n : undefined, providerConnections: (providerProxy.accepted - before.p) / n}};
}

// --- (c) closed-loop load: `clients` workers for warmS + windowS; answers finished inside the window count
async function load(clients: number, warmS: number, work: (worker: number, i: number) => Promise<{tokens: number; status: number}>) {
  const start = performance.now();
  const from = start + warmS * 1000;
  const until = from + windowS * 1000;
  let answers = 0;
  let tokens = 0;
  const statuses: Record<string, number> = {};
  await Promise.all(Array.from({length: clients}, async (_, w) => {
    for (let i = 0; performance.now() < until; i++) {
      const r = await work(w, i);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const end = performance.now();
      if (r.status === 200 && end >= from && end <= until) {
        answers += 1;
        tokens += r.tokens;
      }
    }
  }));
  return {answersPerS: answers / windowS, tokensPerS: tokens / windowS, statuses, drainS: (performance.now() - until) / 1000};
}
const viaGateway = (url: string, maxTokens: number) => async (w: number, i: number) => {
  const res = await fetch(`${url}/v1/completions`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({model: name, prompt: `Once upon a time, story ${w}-${i} began`, max_tokens: maxTokens, temperature: 0})});
  const body = (await res.json()) as {usage?: {completion_tokens: number}};
  return {status: res.status, tokens: body.usage?.completion_tokens ?? 0};
};
const viaDirect = (maxTokens: number) => async (w: number, i: number) => ({status: 200, tokens: (await direct(lanes[w]!, `Once upon a time, story ${w}-${i} began`, maxTokens)).tokens});
/** The gateway's levels; on loopback each level of node-llama-cpp direct runs just before the gateway's, so that load drift hits both alike. */
async function gatewayLevels(mode: Mode) {
  const port = await freePort();
  const gateway = await startBackground(['gateway', '--port', String(port)], {home, env: cliEnv(mode), ready: /gateway listening on/, timeoutMs: 60_000});
  const url = `http://127.0.0.1:${port}`;
  try {
    await viaGateway(url, SHORT)(0, 0); // the gateway's discovery, off the clock
    const out: Record<string, Awaited<ReturnType<typeof load>>> = {};
    let first = true;
    for (const t of [SHORT, LONG]) {
      for (const c of CLIENTS) {
        if (mode === 'loopback' && c <= PARALLEL) directLoad[`${c}x${t}`] = await load(c, WARM_S.next, viaDirect(t));
        out[`${c}x${t}`] = await load(c, first ? WARM_S.first : WARM_S.next, viaGateway(url, t));
        first = false;
      }
    }
    return out;
  } finally {
    gateway.child.kill('SIGINT');
    await gateway.exited;
  }
}

const modes = {} as Record<Mode, {cli: Awaited<ReturnType<typeof cliRounds>>; sdk: Awaited<ReturnType<typeof sdkRounds>>; gateway: Awaited<ReturnType<typeof gatewayLevels>>}>;
const directLoad: Record<string, Awaited<ReturnType<typeof load>>> = {};
await ask({client: sdkClients.loopback, registry, store: sdkStore, prompt: 'Once upon a time', maxTokens: 4, filter: {model: name}, funding}); // opens the SDK's channel
for (const mode of ['loopback', 'wan'] as const) {
  setMode(mode);
  const t = performance.now();
  const cli = await cliRounds(mode);
  const sdk = await sdkRounds(mode);
  const gateway = await gatewayLevels(mode);
  modes[mode] = {cli, sdk, gateway};
  console.log(`${mode}: ${fmt((performance.now() - t) / 1000, 1)} s`);
}

// --- report
const rtt = WAN.providerRttMs;
const rt = (ms: number) => ms / rtt;
const gatewayRows = CLIENTS.map((c) => {
  const d = (t: number) => directLoad[`${Math.min(c, PARALLEL)}x${t}`]!;
  const g = (m: Mode, t: number) => modes[m].gateway[`${c}x${t}`]!;
  return {
    clients: c,
    directAnswersPerS: d(SHORT).answersPerS,
    directTokensPerS: d(LONG).tokensPerS,
    loopback: {answersPerS: g('loopback', SHORT).answersPerS, tokensPerS: g('loopback', LONG).tokensPerS, statuses: {short: g('loopback', SHORT).statuses, long: g('loopback', LONG).statuses}},
    wan: {answersPerS: g('wan', SHORT).answersPerS, tokensPerS: g('wan', LONG).tokensPerS, statuses: {short: g('wan', SHORT).statuses, long: g('wan', LONG).statuses}},
  };
});
const cliNet = {cold: modes.wan.cli.cold.addedFirstTextMs - modes.loopback.cli.cold.addedFirstTextMs, warm: modes.wan.cli.warm.addedFirstTextMs - modes.loopback.cli.warm.addedFirstTextMs};
console.log(`\n(a) fresh \`cocoon ask --max-tokens 4\`: first text less \`cocoon --version\` (${fmt(modes.loopback.cli.versionMs)} ms), ms (provider round trips of ${rtt} ms)`);
console.log(`| registry cache | loopback | WAN | WAN − loopback |\n|---|---:|---:|---:|`);
for (const arm of ['cold', 'warm'] as const) console.log(`| ${arm} | ${fmt(modes.loopback.cli[arm].addedFirstTextMs)} | ${fmt(modes.wan.cli[arm].addedFirstTextMs)} (${fmt(rt(modes.wan.cli[arm].addedFirstTextMs), 1)} RT) | ${fmt(cliNet[arm])} (${fmt(rt(cliNet[arm]), 1)} RT) |`);
console.log(`per warm CLI ask over the WAN: ${fmt(modes.wan.cli.perWarmAsk.chainRequests, 1)} chain requests (${fmt(modes.wan.cli.perWarmAsk.refused429, 1)} answered 429), ${fmt(modes.wan.cli.perWarmAsk.providerConnections, 1)} new provider connections; exit ${fmt(modes.wan.cli.warm.totalMs)} ms`);
console.log(`(b) warm SDK ask, added time to first text over direct (${fmt(modes.loopback.sdk.directFirstTextMs, 1)} ms): loopback ${fmt(modes.loopback.sdk.addedMs, 1)} ms, WAN ${fmt(modes.wan.sdk.addedMs, 1)} ms = ${fmt(rt(modes.wan.sdk.addedMs), 2)} round trips; per ask over the WAN ${fmt(modes.wan.sdk.perAsk.chainRequests ?? 0, 1)} chain requests, ${fmt(modes.wan.sdk.perAsk.providerConnections, 1)} new provider connections`);
console.log(`(c) one gateway, provider --parallel ${PARALLEL}: answers/s (${SHORT} tokens) and tokens/s (${LONG} tokens) vs node-llama-cpp with min(clients, ${PARALLEL}) sequences`);
console.log(`| clients | direct ans/s | gateway loopback | WAN | direct tok/s | gateway loopback | WAN |\n|---:|---:|---:|---:|---:|---:|---:|`);
for (const r of gatewayRows) {
  console.log(`| ${r.clients} | ${fmt(r.directAnswersPerS, 1)} | ${fmt(r.loopback.answersPerS, 1)} (${fmt(r.loopback.answersPerS / r.directAnswersPerS, 3)}) | ${fmt(r.wan.answersPerS, 1)} (${fmt(r.wan.answersPerS / r.directAnswersPerS, 3)}) | ${fmt(r.directTokensPerS)} | ${fmt(r.loopback.tokensPerS)} (${fmt(r.loopback.tokensPerS / r.directTokensPerS, 3)}) | ${fmt(r.wan.tokensPerS)} (${fmt(r.wan.tokensPerS / r.directTokensPerS, 3)}) |`);
}
console.log(`gateway statuses: ${JSON.stringify(gatewayRows.map((r) => [r.clients, r.loopback.statuses, r.wan.statuses]))}`);

await node.close();
for (const p of [chainProxy, providerChainProxy, providerProxy]) await p.close();
await devnet.close();
await model.dispose();
fs.rmSync(dir, {recursive: true, force: true});
emitResult('wan', {
  model: path.basename(modelPath), threads, rounds, windowS, warmS: WARM_S, parallel: PARALLEL, contextSize, wan: WAN, shortTokens: SHORT, longTokens: LONG,
  cli: {loopback: modes.loopback.cli, wan: modes.wan.cli, networkMs: cliNet},
  sdk: {loopback: modes.loopback.sdk, wan: modes.wan.sdk},
  gateway: gatewayRows,
  directLoad,
});
