import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ROOT, runCli} from '../helpers/cli.js';
import {tempHome} from '../helpers/home.js';
import {testModel} from '../inference/model.js';

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
    // The whole suite, the quick-start test last and alone (its `npm run demo` rebuilds dist/ under other tests' CLIs).
    expect(pkg.scripts.test).toBe('vitest run --exclude test/e2e/quickstart.test.ts && vitest run test/e2e/quickstart.test.ts');
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it('`npm run demo` (the part after npm ci) runs the market on a private devnet', () => {
    const home = tempHome();
    const demo = commands[0]!.split('&&')[1]!.trim().split(' ');
    const result = spawnSync(demo[0]!, demo.slice(1), {
      cwd: ROOT,
      encoding: 'utf8',
      env: {...process.env, NODE_ENV: undefined, CI: 'true', COCOON_HOME: home, COCOON_MODEL: testModel()},
      timeout: 180_000,
    });
    expect(result.status, result.stderr).toBe(0);
    for (const step of ['model', 'devnet', 'provider wallet', 'consumer wallet', 'faucet', 'register', 'serve', 'ask', 'receipt', 'settle', 'balances']) {
      expect(result.stdout).toMatch(new RegExp(`✔ ${step}\\s`));
    }
    // The demo never touches the user's own state.
    expect(fs.readdirSync(home)).toEqual([]);
    // As long as the child may take (a build and a whole market; ~20 s alone, more on a loaded machine).
  }, 190_000);

  it('--json: a real answer, a receipt that prices it, and a settlement that pays it on chain', async () => {
    const result = await runCli(['demo', '--json'], {home: tempHome(), env: {COCOON_MODEL: testModel()}, timeoutMs: 120_000});
    expect(result.code, result.stderr).toBe(0);
    const report = result.json;
    expect(report.answer.text.trim().length).toBeGreaterThan(0);
    expect(report.answer.completionTokens).toBeGreaterThan(0);
    const nano = (ton: string) => BigInt(Math.round(Number(ton) * 1e9));
    // Demo prices: 2,000 and 200,000 nanoTON per prompt / completion token.
    expect(nano(report.cost)).toBe(BigInt(report.answer.promptTokens) * 2000n + BigInt(report.answer.completionTokens) * 200_000n);
    expect(report.receipt.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(report.settlement.claimed).toBe(report.cost);
    const earned = nano(report.settlement.providerEarned);
    expect(earned).toBeGreaterThan(0n);
    expect(nano(report.cost) - earned).toBeLessThan(5_000_000n); // only the claim's fee is lost
    expect(report.trust).toBe('provider-visible');
    expect(fs.existsSync(report.dir)).toBe(false);
  });
});
