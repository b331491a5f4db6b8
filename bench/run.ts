// Runs every benchmark one after another (never in parallel: they would
// measure each other), prints each one's output, collects their JSON results
// into bench/results/, rewrites docs/benchmarks.md from
// bench/benchmarks.template.md, and prints the headline ratios.
//
//   npm run bench                 every bench, full length (~10 min on 2 vCPUs, + ~3.5 for wan and flood)
//   npm run bench -- --quick      shorter runs; skips the 1,000-provider registry read
//   npm run bench -- e2e memory   only these; the others' last figures stay in the doc
//   npm run bench -- --render     run nothing: rewrite the doc from the stored results
//                                 (after editing bench/benchmarks.template.md)
//
// COCOON_BENCH_QUICK=1 is the same as --quick. A bench that is skipped or fails
// keeps its last stored result, shown in the doc with the date it was measured.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as render from './lib/render.js';
import {embed as renderEmbed} from './lib/render-embed.js';
import type {RunInfo, Stored} from './lib/render.js';
import {findBenchModel, ROOT} from './lib/result.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.COCOON_BENCH_QUICK === '1';
const only = args.filter((a) => !a.startsWith('--'));
const renderOnly = args.includes('--render');
const resultsDir = path.join(ROOT, 'bench', 'results');
const docPath = path.join(ROOT, 'docs', 'benchmarks.md');

/** One benchmark: its script, and the environment for a full and a quick run. */
interface Bench {
  name: string;
  file: string;
  full: Record<string, string>;
  quick: Record<string, string> | 'skip';
}
const benches: Bench[] = [
  {name: 'startup', file: 'startup.bench.ts', full: {BENCH_RUNS: '15'}, quick: {BENCH_RUNS: '5'}},
  {name: 'gas', file: 'gas.ts', full: {GAS_PREFILL: '999'}, quick: {GAS_PREFILL: '999'}},
  {name: 'registry-read', file: 'registry-read.bench.ts', full: {REGISTRY_BENCH_N: '1000'}, quick: 'skip'},
  {name: 'contracts-property', file: 'contracts-property.bench.ts', full: {COCOON_PROPERTY_RUNS: '300'}, quick: {COCOON_PROPERTY_RUNS: '40'}},
  {name: 'registry-scale', file: 'registry-scale.contracts.bench.ts', full: {REGISTRY_SCALE_N: '100000'}, quick: {REGISTRY_SCALE_N: '10000'}},
  {name: 'protocol', file: 'protocol.bench.ts', full: {COCOON_BENCH_RUNS: '100', COCOON_BENCH_TOKENS: '256'}, quick: {COCOON_BENCH_RUNS: '20', COCOON_BENCH_TOKENS: '256'}},
  {name: 'engine', file: 'engine.bench.ts', full: {COCOON_BENCH_ROUNDS: '21'}, quick: {COCOON_BENCH_ROUNDS: '5'}},
  {name: 'e2e', file: 'e2e.bench.ts', full: {COCOON_BENCH_E2E_ROUNDS: '41', COCOON_BENCH_TOKENS: '256'}, quick: {COCOON_BENCH_E2E_ROUNDS: '5', COCOON_BENCH_TOKENS: '256'}},
  {name: 'memory', file: 'memory.bench.ts', full: {COCOON_BENCH_ASKS: '3', COCOON_BENCH_TOKENS: '256'}, quick: {COCOON_BENCH_ASKS: '1', COCOON_BENCH_TOKENS: '256'}},
  {name: 'wan', file: 'wan.bench.ts', full: {COCOON_BENCH_WAN_ROUNDS: '4', COCOON_BENCH_WAN_WINDOW_S: '3'}, quick: {COCOON_BENCH_WAN_ROUNDS: '2', COCOON_BENCH_WAN_WINDOW_S: '2'}},
  {name: 'audit', file: 'audit.bench.ts', full: {AUDIT_BENCH_CHALLENGES: '300', AUDIT_BENCH_TRIALS: '10', AUDIT_BENCH_ROUNDS: '9'}, quick: {AUDIT_BENCH_CHALLENGES: '30', AUDIT_BENCH_TRIALS: '3', AUDIT_BENCH_ROUNDS: '3'}},
  {name: 'embed', file: 'embed.bench.ts', full: {COCOON_BENCH_EMBED_ROUNDS: '9'}, quick: {COCOON_BENCH_EMBED_ROUNDS: '3'}},
  {name: 'p2p', file: 'p2p.bench.ts', full: {COCOON_BENCH_RUNS: '30', COCOON_BENCH_TOKENS: '256', COCOON_BENCH_P2P_MIB: '64'}, quick: {COCOON_BENCH_RUNS: '6', COCOON_BENCH_TOKENS: '256', COCOON_BENCH_P2P_MIB: '8'}},
  {name: 'flood', file: 'flood.bench.ts', full: {BENCH_FLOOD_SECONDS: '4', BENCH_FLOOD_RATE: '10'}, quick: {BENCH_FLOOD_SECONDS: '2', BENCH_FLOOD_RATE: '10'}},
];

const model = findBenchModel();
if (!model) {
  console.error(
    'npm run bench: no model to benchmark. Set COCOON_BENCH_MODEL=<file.gguf>, or COCOON_TEST_MODELS=<dir with stories260K.gguf>, ' +
      'or put stories260K.gguf in ../shared/models (https://huggingface.co/ggml-org/models, tinyllamas/stories260K.gguf). docs/benchmarks.md was left as it is.',
  );
  process.exit(2);
}
const modelPath = path.resolve(model);
fs.mkdirSync(resultsDir, {recursive: true});
const cpus = os.cpus();
const machine = `${os.type()} ${os.release()} ${os.arch()}, ${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length} (os.cpus), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, GPU: none (every bench runs node-llama-cpp with gpu: false)`;
const loadavgStart = os.loadavg()[0]!;
const started = Date.now();
console.log(`npm run bench${quick ? ' -- --quick' : ''}: ${machine}\nmodel ${modelPath}; load average ${loadavgStart.toFixed(2)}`);

const ran: string[] = [];
const failed: string[] = [];
const kept: string[] = [];
for (const bench of benches) {
  const selected = only.length === 0 || only.some((o) => bench.name.includes(o) || bench.file.includes(o));
  const env = quick ? bench.quick : bench.full;
  if (renderOnly) continue;
  if (!selected || env === 'skip') {
    kept.push(bench.name);
    console.log(`\n=== ${bench.file}: skipped${env === 'skip' ? ' in quick mode' : ''}, its last figures stay in the doc ===`);
    continue;
  }
  console.log(`\n=== ${bench.file} ===`);
  const out = path.join(os.tmpdir(), `cocoon-bench-${process.pid}-${bench.name}.json`);
  fs.rmSync(out, {force: true});
  const t = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', bench.file)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {...process.env, ...env, COCOON_BENCH_MODEL: modelPath, COCOON_BENCH_THREADS: '1', BENCH_OUT: out},
  });
  const seconds = (Date.now() - t) / 1000;
  console.log(`(${bench.file}: ${seconds.toFixed(1)} s, exit ${result.status})`);
  if (result.status !== 0 || !fs.existsSync(out)) {
    failed.push(bench.name);
    continue;
  }
  const command = `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}node --import tsx bench/${bench.file}`;
  const stored: Stored = {...(JSON.parse(fs.readFileSync(out, 'utf8')) as Stored), command, quick, seconds};
  fs.writeFileSync(path.join(resultsDir, `${bench.name}.json`), `${JSON.stringify(stored, null, 2)}\n`);
  fs.rmSync(out, {force: true});
  ran.push(bench.name);
}

// --- the doc
const load = (name: string): Stored | undefined => {
  const file = path.join(resultsDir, `${name}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Stored) : undefined;
};
const results = Object.fromEntries(benches.map((b) => [b.name, load(b.name)]));
const runFile = path.join(resultsDir, 'run.json');
const run: RunInfo = renderOnly && fs.existsSync(runFile) ? (JSON.parse(fs.readFileSync(runFile, 'utf8')) as RunInfo) : {
  date: new Date(started).toISOString(),
  command: `npm run bench${quick ? ' -- --quick' : ''}${only.length ? ` -- ${only.join(' ')}` : ''}`,
  machine,
  loadavgStart,
  loadavgEnd: os.loadavg()[0]!,
  seconds: (Date.now() - started) / 1000,
  ran,
  kept,
  failed,
  model: `${path.basename(modelPath)} (${(fs.statSync(modelPath).size / 2 ** 20).toFixed(1)} MiB)`,
};
if (!renderOnly) fs.writeFileSync(runFile, `${JSON.stringify(run, null, 2)}\n`);
const ranNow = new Set(run.ran);
/** A bench's table with the line saying when and how it was measured (`stamp: false` for all but a bench's last table). */
const section = <T extends Stored>(name: string, body: (r: T) => string, stamp = true) => {
  const r = results[name] as T | undefined;
  if (!r) return render.measuredLine(undefined, false);
  return stamp ? `${body(r)}\n\n${render.measuredLine(r, ranNow.has(name))}` : body(r);
};
// Results are read back from JSON as `any`; each renderer declares the shape it reads.
const e2e = results.e2e as any;
const answer = {promptTokens: e2e?.tokens?.askPrompt ?? 10, completionTokens: e2e?.tokens?.ask ?? 256};
const fees = results.gas ? render.fees(results.gas as any, answer) : undefined;
const summary = summarize();
const fills: Record<string, () => string> = {
  run: () => render.runHeader(run),
  summary: () => summary.markdown,
  e2e: () => section('e2e', render.e2e as any),
  memory: () => section('memory', render.memory as any),
  gas: () => section('gas', render.gas as any, false),
  fees: () => (fees ? `${fees.markdown}\n\n${render.measuredLine(results.gas, ranNow.has('gas'))}` : render.measuredLine(undefined, false)),
  registry: () => section('registry-read', render.registry as any),
  registryScale: () => section('registry-scale', render.registryScale as any),
  contractsProperty: () => section('contracts-property', render.contractsProperty as any),
  engine: () => section('engine', render.engine as any, false),
  concurrency: () => section('engine', render.concurrency as any),
  'protocol.crypto': () => section('protocol', render.protocolCrypto as any, false),
  'protocol.full': () => section('protocol', render.protocolFull as any, false),
  'protocol.wire': () => (results.protocol ? render.protocolWire(results.protocol as any) : ''),
  'protocol.real': () => section('protocol', render.protocolReal as any),
  startup: () => section('startup', render.startup as any),
  wan: () => section('wan', render.wan as any),
  p2p: () => section('p2p', render.p2p as any),
  flood: () => section('flood', render.flood as any),
  audit: () => section('audit', render.audit as any),
  embed: () => section('embed', renderEmbed as any),
};
const template = fs.readFileSync(path.join(ROOT, 'bench', 'benchmarks.template.md'), 'utf8');
const doc = template.replace(/\{\{([\w.]+)\}\}/g, (_, key: string) => {
  const fill = fills[key];
  if (!fill) throw new Error(`benchmarks.template.md: unknown placeholder {{${key}}}`);
  return fill();
});
fs.writeFileSync(docPath, doc);

/** The headline ratios, for the doc and the terminal. */
function summarize(): {markdown: string; lines: string[]} {
  const r = results as Record<string, any>;
  const rows: Array<[string, string, string]> = [];
  const n = (x: number, d = 0) => x.toLocaleString('en-US', {maximumFractionDigits: d, minimumFractionDigits: d});
  if (r.e2e) {
    rows.push(['`ask` end to end ÷ node-llama-cpp direct, tokens/s', `${n(r.e2e.endToEnd.ask)} ÷ ${n(r.e2e.endToEnd.direct)} tok/s`, `**${n(r.e2e.endToEnd.ratioOfMedians, 3)}** (pairwise ${n(r.e2e.endToEnd.medianPairwiseRatio, 3)})`]);
    rows.push(['`ask` while streaming ÷ direct', `${n(r.e2e.streaming.ask)} ÷ ${n(r.e2e.streaming.direct)} tok/s`, n(r.e2e.streaming.ratioOfMedians, 3)]);
    rows.push(['time-to-first-token overhead of `ask` (chain reads, probe, protocol)', `${n(r.e2e.ttftMs.ask, 1)} vs ${n(r.e2e.ttftMs.direct, 1)} ms`, `+${n(r.e2e.ttftOverheadMs, 1)} ms`]);
    if (r.e2e.cachedRegistry) {
      const cr = r.e2e.cachedRegistry;
      rows.push(['the same with the registry read cached (the CLI\'s default)', `${n(cr.endToEnd.ratioOfMedians, 3)} of direct tok/s; first text ${n(cr.ttftMs.ask, 1)} ms`, `+${n(cr.ttftOverheadMs, 1)} ms`]);
    }
  }
  if (r.wan) {
    const w = r.wan;
    const rtt = w.wan.providerRttMs;
    rows.push([`fresh \`cocoon ask\` over the WAN (${rtt} ms provider, ${w.wan.chainRttMs} ms + ${w.wan.chainRps} req/s chain): first text added over loopback, cold / warm registry cache`, `${n(w.cli.networkMs.cold)} / ${n(w.cli.networkMs.warm)} ms`, `${n(w.cli.networkMs.cold / rtt, 1)} / **${n(w.cli.networkMs.warm / rtt, 1)}** round trips`]);
    rows.push(['warm SDK `ask()` over the WAN: first text added over node-llama-cpp', `${n(w.sdk.wan.addedMs, 1)} ms (loopback ${n(w.sdk.loopback.addedMs, 1)})`, `**${n(w.sdk.wan.addedMs / rtt, 2)}** round trips`]);
    const g = w.gateway as Array<{clients: number; directAnswersPerS: number; directTokensPerS: number; loopback: {answersPerS: number; tokensPerS: number}; wan: {answersPerS: number; tokensPerS: number}}>;
    rows.push([`one gateway, ${w.shortTokens}-token answers/s at ${g.map((x) => x.clients).join(' / ')} clients, WAN (loopback)`, g.map((x) => `${n(x.wan.answersPerS, 1)} (${n(x.loopback.answersPerS, 1)})`).join(' / '), `${g.map((x) => n(x.wan.answersPerS / x.directAnswersPerS, 3)).join(' / ')} of direct`]);
    rows.push([`one gateway, tokens/s of ${w.longTokens}-token answers at ${g.map((x) => x.clients).join(' / ')} clients, WAN (loopback)`, g.map((x) => `${n(x.wan.tokensPerS)} (${n(x.loopback.tokensPerS)})`).join(' / '), `${g.map((x) => n(x.wan.tokensPerS / x.directTokensPerS, 3)).join(' / ')} of direct`]);
  }
  if (r.flood) rows.push([`provider \`/healthz\` p99 while a consumer floods ${r.flood.rate}/s ~1 MB prompts`, `${n(r.flood.boundOn.p99, 1)} ms (idle ${n(r.flood.idle.p99, 1)}; bound off ${n(r.flood.boundOff.p99, 1)})`, `${n(r.flood.boundOn.p99 / r.flood.idle.p99, 1)}× idle`]);
  if (r.protocol?.realEngine) rows.push(['protocol (no chain) ÷ engine alone, end to end', `${n(r.protocol.realEngine.endToEnd.protocol)} ÷ ${n(r.protocol.realEngine.endToEnd.engine)} tok/s`, n(r.protocol.realEngine.endToEnd.ratioOfMedians, 3)]);
  if (r.engine) rows.push(['engine ÷ node-llama-cpp direct (streaming), per CPU-second', `${n(r.engine.engine.cpu)} ÷ ${n(r.engine.directStreaming.cpu)} tok/CPU-s`, n(r.engine.ratios.cpuStreaming, 3)]);
  if (r.protocol) {
    const f = r.protocol.fullPath;
    rows.push(['null-engine protocol, 1 consumer / 8 consumers (consumer in another process)', `${n(f.sequential.qps)} / ${n(f.concurrent.qps)} queries/s, p99 ${n(f.sequential.p99Ms, 1)} / ${n(f.concurrent.p99Ms, 1)} ms`, f.sequential.queriesPerProviderCpuS === undefined ? '' : `${n(f.sequential.queriesPerProviderCpuS)} / ${n(f.concurrent.queriesPerProviderCpuS)} queries per provider CPU-s`]);
  }
  if (r.engine) {
    const c = r.engine.concurrency as Array<{parallel: number; aggregate: number}>;
    rows.push(['aggregate tok/s at 1 / 2 / 4 / 8 sequences', c.map((x) => n(x.aggregate)).join(' / '), `${c.map((x) => n(x.aggregate / c[0]!.aggregate, 2)).join(' / ')} × 1`]);
  }
  if (r.startup) {
    const s = r.startup.rows as Array<{command: string; medianMs: number; ratio: number}>;
    const v = s.find((x) => x.command === 'cocoon --version');
    if (v) rows.push(['CLI start-up, `cocoon --version` ÷ `node -e ""`', `${n(v.medianMs)} vs ${n(s[0]!.medianMs)} ms`, `${n(v.ratio, 2)}×`]);
  }
  if (r.memory) {
    rows.push(['peak RSS of `cocoon ask` (after the first)', `${n(r.memory.askSteady.maxRssBytes / 2 ** 20, 1)} MiB`, `+${n(r.memory.askBeyondCliFloorBytes / 2 ** 20, 1)} MiB over \`cocoon --version\``]);
    rows.push(['peak RSS of the provider beyond the model', `${n(r.memory.provider.maxRssBytes / 2 ** 20, 1)} vs ${n(r.memory.bare.maxRssBytes / 2 ** 20, 1)} MiB bare`, `+${n(r.memory.providerBeyondModelBytes / 2 ** 20, 1)} MiB`]);
  }
  if (fees) {
    rows.push([
      `on-chain fee per query, 1-GRAM claim threshold, default prices, ${answer.promptTokens} + ${answer.completionTokens}-token answer`,
      `${fees.atDefault.perQuery.toPrecision(3)} GRAM (${n(Number(fees.atDefault.queriesPerClaim))} queries per claim)`,
      `${n((fees.atDefault.perQuery / (Number(fees.atDefault.cost) / 1e9)) * 100, 3)} % of the price`,
    ]);
    rows.push(['on-chain fee per query if claimed after every query', `${fees.atDefault.everyQuery} GRAM`, `${n(fees.atDefault.everyQuery / (Number(fees.atDefault.cost) / 1e9), 0)}× the price`]);
  }
  const markdown = ['| what | measured | ratio |', '|---|---:|---:|', ...rows.map((x) => `| ${x.join(' | ')} |`)].join('\n');
  return {markdown, lines: rows.map(([w, m, q]) => `${w.replace(/[`*]/g, '')}: ${m.replace(/[`*]/g, '')} → ${q.replace(/[`*]/g, '')}`)};
}

console.log(`\n=== summary (${((Date.now() - started) / 60_000).toFixed(1)} min; load average ${loadavgStart.toFixed(2)} → ${os.loadavg()[0]!.toFixed(2)}) ===`);
for (const line of summary.lines) console.log(line);
if (kept.length) console.log(`kept from earlier runs: ${kept.join(', ')}`);
if (failed.length) console.log(`FAILED: ${failed.join(', ')}`);
console.log(`wrote ${path.relative(ROOT, docPath)}`);
process.exit(failed.length === 0 ? 0 : 1);
