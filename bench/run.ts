// Runs every benchmark in bench/*.bench.ts one after another (never in parallel:
// they would measure each other), printing each one's output.
// Run: npm run bench
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file)], {stdio: 'inherit'});
  console.log(`(${file}: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${result.status})`);
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
