// CLI start-up time: `cocoon --version`, `--help` and a small data command,
// against a bare `node -e ""` start (the floor no CLI can beat) in the same run.
// Run: npm run build && node --import tsx bench/startup.bench.ts
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {emitResult} from './lib/result.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'run.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-bench-'));
const env = {...process.env, COCOON_HOME: home, NODE_ENV: undefined};

function measure(args: string[]): {median: number; p90: number} {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, {env, encoding: 'utf8'});
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
    if (i >= 2) times.push(ms); // two warm-up runs fill the OS file cache
  }
  times.sort((a, b) => a - b);
  return {median: times[Math.floor(times.length / 2)]!, p90: times[Math.floor(times.length * 0.9)]!};
}

const baseline = measure(['-e', '']);
const cases: Array<[string, string[]]> = [
  ['cocoon --version', [bin, '--version']],
  ['cocoon --help', [bin, '--help']],
  ['cocoon wallet --help', [bin, 'wallet', '--help']],
  ['cocoon config get network', [bin, 'config', 'get', 'network']],
];
console.log(`runs per case: ${runs}; node ${process.version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`);
console.log(`${'command'.padEnd(28)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(8)} ${'× bare node'.padStart(12)}`);
console.log(`${'node -e "" (floor)'.padEnd(28)} ${baseline.median.toFixed(0).padStart(10)} ${baseline.p90.toFixed(0).padStart(8)} ${'1.00'.padStart(12)}`);
const rows = [{command: 'node -e "" (floor)', medianMs: baseline.median, p90Ms: baseline.p90, ratio: 1}];
for (const [name, args] of cases) {
  const m = measure(args);
  rows.push({command: name, medianMs: m.median, p90Ms: m.p90, ratio: m.median / baseline.median});
  console.log(`${name.padEnd(28)} ${m.median.toFixed(0).padStart(10)} ${m.p90.toFixed(0).padStart(8)} ${(m.median / baseline.median).toFixed(2).padStart(12)}`);
}
fs.rmSync(home, {recursive: true, force: true});
emitResult('startup', {runs, rows});
