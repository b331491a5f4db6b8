import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ROOT, runCli} from '../helpers/cli.js';
import {tempHome} from '../helpers/home.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const commands = quickStart
  .split('\n')
  .map((line) => line.replace(/#.*$/, '').trim())
  .filter(Boolean);

describe('the README quick start', () => {
  it('is two commands: install and run the demo; run the tests', () => {
    expect(commands).toEqual(['npm ci && npm run demo', 'npm test']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toBe('vitest run');
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it('`npm run demo` (the part after npm ci) runs the market on a private devnet', () => {
    const home = tempHome();
    const demo = commands[0]!.split('&&')[1]!.trim().split(' ');
    const result = spawnSync(demo[0]!, demo.slice(1), {
      cwd: ROOT,
      encoding: 'utf8',
      env: {...process.env, NODE_ENV: undefined, CI: 'true', COCOON_HOME: home},
      timeout: 180_000,
    });
    expect(result.status, result.stderr).toBe(0);
    for (const step of ['devnet', 'provider wallet', 'consumer wallet', 'faucet', 'payment', 'balances']) {
      expect(result.stdout).toMatch(new RegExp(`✔ ${step}\\s`));
    }
    // The demo never touches the user's own state.
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('reports consistent money in --json: the consumer paid exactly amount + fee', async () => {
    const result = await runCli(['demo', '--json'], {home: tempHome(), timeoutMs: 120_000});
    expect(result.code, result.stderr).toBe(0);
    const report = result.json;
    const nano = (ton: string) => BigInt(Math.round(Number(ton) * 1e9));
    // The provider's account pays storage rent between its two incoming payments: a few nanoTON.
    const provider = nano(report.balances.provider);
    expect(provider).toBeLessThanOrEqual(5_500_000_000n);
    expect(provider).toBeGreaterThan(5_500_000_000n - 1000n);
    expect(nano(report.balances.consumer)).toBe(10_000_000_000n - 500_000_000n - nano(report.transfer.fee));
    expect(report.registry).toMatch(/^0:[0-9a-f]{64}$/);
    expect(fs.existsSync(report.dir)).toBe(false);
  });
});
