/**
 * Peak memory of the real CLI processes (npm run build first):
 *
 *   node --import tsx bench/memory.bench.ts
 *
 * A devnet, a registered provider and a consumer, all through `cocoon` commands
 * in temporary homes, as a user would run them. Measured, each in its own
 * process: `cocoon ask` (the first, which also opens the channel on chain, and
 * the following ones), `cocoon provide start` while it serves those asks, and
 * a bare Node process that loads the same model with node-llama-cpp the way the
 * provider does and answers one completion (bench/lib/bare-model.mjs): the
 * provider's figure less the bare one is what cocoon itself costs beyond the
 * model. `node -e ""` and `cocoon --version` give the floors.
 *
 * Peak resident set = getrusage's maxrss at exit (VmHWM), peak V8 heap sampled
 * every 5 ms, both by bench/lib/peak-probe.mjs preloaded through NODE_OPTIONS;
 * the provider's VmHWM is also read from /proc/<pid>/status before it stops.
 * Model: as the other benches; COCOON_BENCH_TOKENS (default 256), COCOON_BENCH_ASKS (default 3).
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {runCli} from '../test/helpers/cli.js';
import {freePort} from '../test/helpers/disk.js';
import {startBackground} from '../test/helpers/process.js';
import {emitResult, median, requireBenchModel, ROOT} from './lib/result.js';

const modelPath = path.resolve(requireBenchModel('memory.bench'));
const maxTokens = Number(process.env.COCOON_BENCH_TOKENS ?? 256);
const asks = Number(process.env.COCOON_BENCH_ASKS ?? 3);
const threads = Number(process.env.COCOON_BENCH_THREADS ?? 1);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-mem-bench-'));
const probe = pathToFileURL(path.join(ROOT, 'bench', 'lib', 'peak-probe.mjs')).href;
const loadavgStart = os.loadavg()[0]!;

/** What the probe wrote for one process. */
interface Peak {
  pid: number;
  maxRssBytes: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

let probes = 0;
/**
 * Environment that preloads the probe, and a function that reads what it wrote.
 * node-llama-cpp tests its native binding in a child Node process, which inherits
 * NODE_OPTIONS and writes a file too: `pid` picks the measured process's own.
 */
function probed(): {env: Record<string, string>; read: (pid?: number) => Peak} {
  const prefix = path.join(dir, `peak-${++probes}`);
  return {
    env: {NODE_OPTIONS: `--import=${probe}`, COCOON_PEAK_OUT: prefix},
    read(pid?: number) {
      const files = fs.readdirSync(dir).filter((f) => (pid ? f === `${path.basename(prefix)}.${pid}.json` : f.startsWith(`${path.basename(prefix)}.`)));
      if (files.length !== 1) throw new Error(`expected one probe file for ${prefix} (pid ${pid ?? 'any'}), found ${files.length}`);
      return JSON.parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8')) as Peak;
    },
  };
}

/** Run a plain node process with the probe and return its peak. */
function runProbed(args: string[]): Promise<Peak> {
  const p = probed();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {env: {...process.env, ...p.env}, stdio: ['ignore', 'ignore', 'inherit']});
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(p.read(child.pid)) : reject(new Error(`node ${args.join(' ')} exited ${code}`))));
  });
}

function vmHwm(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const consumerHome = path.join(dir, 'consumer');
const providerHome = path.join(dir, 'provider');
const env: Record<string, string> = {
  COCOON_DEVNET_PORT: String(await freePort()),
  COCOON_WALLET_PASSWORD: 'bench',
  COCOON_NODE_PASSWORD: 'bench-node',
  COCOON_INFERENCE_GPU: 'off',
};
async function ok(home: string, args: string[], extra: Record<string, string> = {}) {
  const r = await runCli([...args, '--json'], {home, env: {...env, ...extra}, timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json as Record<string, unknown>;
}
const mib = (bytes: number) => bytes / 2 ** 20;
const fmt = (bytes: number) => `${mib(bytes).toFixed(1)} MiB`;

console.log(`# memory bench: ${path.basename(modelPath)} (${fmt(fs.statSync(modelPath).size)} file), ${threads} thread(s), ${maxTokens} tokens per ask, node ${process.version}`);
const started = Date.now();
let provider: Awaited<ReturnType<typeof startBackground>> | undefined;
try {
  await ok(consumerHome, ['devnet', 'start', '--detach']);
  await ok(consumerHome, ['wallet', 'create', 'me']);
  await ok(consumerHome, ['devnet', 'fund', 'me', '5']);
  await ok(providerHome, ['wallet', 'create', 'gpu']);
  await ok(providerHome, ['devnet', 'fund', 'gpu', '5']);
  const port = await freePort();
  await ok(providerHome, ['provide', 'register', '--model', modelPath, '--model-name', 'bench', '--stake', '1', '--port', String(port), '--yes']);
  const providerProbe = probed();
  provider = await startBackground(['provide', 'start', '--threads', String(threads)], {home: providerHome, env: {...env, ...providerProbe.env}, ready: /serving \S+/, timeoutMs: 120_000});
  console.log(`devnet, wallets, registration and provider up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const askPeaks: Peak[] = [];
  for (let i = 0; i <= asks; i++) {
    const p = probed();
    const answer = await ok(consumerHome, ['ask', `Once upon a time, story ${i + 1} began`, '--max-tokens', String(maxTokens), '--temperature', '0'], p.env);
    if (!answer.text) throw new Error('empty answer');
    askPeaks.push(p.read());
  }
  const providerHwm = vmHwm(provider.child.pid!);
  provider.child.kill('SIGINT');
  const code = await provider.exited;
  if (code !== 0) throw new Error(`provide start exited ${code}:\n${provider.output()}`);
  const providerPeak = providerProbe.read(provider.child.pid);
  provider = undefined;
  const contextSequences = 2; // `provide start`'s default --parallel
  const bare = await runProbed([path.join(ROOT, 'bench', 'lib', 'bare-model.mjs'), modelPath, String(threads), String(contextSequences), String(maxTokens)]);
  const nodeFloor = await runProbed(['-e', '']);
  const cliFloor = await runProbed([path.join(ROOT, 'bin', 'run.js'), '--version']);

  const [first, ...rest] = askPeaks;
  const steady = {maxRssBytes: median(rest.map((p) => p.maxRssBytes)), heapUsed: median(rest.map((p) => p.heapUsed))};
  const rows = [
    {process: 'node -e "" (floor)', rss: nodeFloor.maxRssBytes, heap: nodeFloor.heapUsed},
    {process: 'cocoon --version (CLI floor)', rss: cliFloor.maxRssBytes, heap: cliFloor.heapUsed},
    {process: 'cocoon ask, first (opens the channel)', rss: first!.maxRssBytes, heap: first!.heapUsed},
    {process: `cocoon ask, next ${rest.length} (median)`, rss: steady.maxRssBytes, heap: steady.heapUsed},
    {process: 'bare node-llama-cpp: model + context + one answer', rss: bare.maxRssBytes, heap: bare.heapUsed},
    {process: `cocoon provide start, serving ${askPeaks.length} asks`, rss: providerPeak.maxRssBytes, heap: providerPeak.heapUsed},
  ];
  console.log(`\n| process | peak RSS | peak V8 heap used |\n|---|---:|---:|`);
  for (const r of rows) console.log(`| ${r.process} | ${fmt(r.rss)} | ${fmt(r.heap)} |`);
  const providerBeyondModel = providerPeak.maxRssBytes - bare.maxRssBytes;
  console.log(`\nprovider beyond the model (provider − bare node-llama-cpp): ${fmt(providerBeyondModel)} RSS; /proc VmHWM before stopping ${fmt(providerHwm)}`);
  console.log(`ask beyond the CLI floor: ${fmt(steady.maxRssBytes - cliFloor.maxRssBytes)}; beyond bare node: ${fmt(steady.maxRssBytes - nodeFloor.maxRssBytes)}`);
  emitResult('memory', {
    model: path.basename(modelPath),
    modelFileBytes: fs.statSync(modelPath).size,
    threads,
    maxTokens,
    asks: askPeaks.length,
    contextSequences,
    loadavgStart,
    nodeFloor,
    cliFloor,
    askFirst: first,
    askSteady: steady,
    provider: {...providerPeak, vmHwmBeforeStopBytes: providerHwm},
    bare,
    providerBeyondModelBytes: providerBeyondModel,
    askBeyondCliFloorBytes: steady.maxRssBytes - cliFloor.maxRssBytes,
  });
} finally {
  provider?.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home: consumerHome, env});
  fs.rmSync(dir, {recursive: true, force: true});
}
