// The audit board through the CLI on the devnet, as auditors and consumers use
// it: two staked auditors publish on two registered nodes; the node both report
// failing is flagged and left out of discovery unless asked for; the bundles
// are served by digest and refused once altered; bad bundles lose nothing.
import fs from 'node:fs';
import path from 'node:path';
import {createHash} from 'node:crypto';
import {Address} from '@ton/core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';

const home = tempHome();
const model = testModel();
let env: Record<string, string>;
let evidencePort: number;
let host: Background | undefined;
const dir = fs.mkdtempSync(path.join(tempHome(), 'bundles-'));

async function cli(args: string[]) {
  return runCli(args, {home, env, timeoutMs: 180_000});
}
async function ok(args: string[]) {
  const r = await cli([...args, '--json']);
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

/**
 * An evidence bundle in the shape `audit run` writes (docs/audit.md), with
 * `failed` of `n` challenges failing. What the board checks is the summary, so
 * the receipts here are placeholders; `audit verify` is what re-checks them.
 */
function bundle(row: {provider: string; nodeKey: string; model: string; modelHash: string}, n: number, failed: number, tweak: (b: any) => void = () => {}): string {
  const now = Math.floor(Date.now() / 1000);
  const challenges = Array.from({length: n}, (_, i) => ({
    request: {model: row.model, prompt: `Once upon a time ${i}`, params: {temperature: 0}, maxTokens: 8},
    receipt: '00',
    signature: '0'.repeat(128),
    tokenIds: [1, 2, 3],
    text: 'x',
    verdict: {ok: i >= failed, reason: i >= failed ? 'every token the top choice' : 'token 2 is rank 9 under the registered model'},
  }));
  const owner = Address.parse(row.provider).toRawString();
  const b = {v: 1, kind: 'cocoon-audit-evidence', provider: {owner, nodeKey: row.nodeKey, model: row.model, modelHash: row.modelHash}, period: {start: now - 3600, end: now - 60}, challenges, summary: {challenges: n, failures: failed}};
  tweak(b);
  const file = path.join(dir, `${row.model}-${n}-${failed}-${Math.random().toString(16).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(b));
  return file;
}

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'wallet-pw', COCOON_NODE_PASSWORD: 'node-pw', COCOON_INFERENCE_GPU: 'off'};
  evidencePort = await freePort();
  await ok(['devnet', 'start', '--detach']);
  for (const [w, amount] of [['gpu', '10'], ['aud1', '5'], ['aud2', '5'], ['nobody', '1']] as const) {
    await ok(['wallet', 'create', w]);
    await ok(['devnet', 'fund', w, amount]);
  }
  for (const name of ['a', 'b']) {
    const port = await freePort();
    await ok(['provide', 'register', '--wallet', 'gpu', '--node', name, '--model', model, '--model-name', `stories-${name}`, '--stake', '1', '--price-prompt', '1', '--price-completion', '2', '--port', String(port), '--endpoint', `http://127.0.0.1:${port}`, '--yes']);
  }
}, 240_000);

afterAll(async () => {
  host?.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home, env});
});

describe('audit board through the CLI', () => {
  let rows: any[];
  const row = (m: string) => rows.find((r) => r.model === m);

  it('has no board until the first auditor joins and deploys it; a second join by the same wallet is refused', async () => {
    const none = await ok(['audit', 'reports']);
    expect(none).toMatchObject({deployed: false, auditors: [], reports: []});
    const url = `http://127.0.0.1:${evidencePort}`;
    const first = await ok(['audit', 'join', '--wallet', 'aud1', '--url', url]);
    expect(first).toMatchObject({deployed: true, auditor: {status: 'active', stake: '1', url, reports: 0}});
    expect(Date.parse(first.auditor.paidUntil) - Date.now()).toBeGreaterThan(360 * 86_400_000);
    const second = await ok(['audit', 'join', '--wallet', 'aud2', '--url', url, '--stake', '2', '--days', '60']);
    expect(second).toMatchObject({deployed: false, board: first.board, auditor: {stake: '2'}});
    const again = await cli(['audit', 'join', '--wallet', 'aud1', '--url', url]);
    expect(again.code, again.stderr).toBe(3);
    expect(again.stderr).toMatch(/already an auditor/);
    const bad = await cli(['audit', 'join', '--wallet', 'nobody', '--url', 'ftp://x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--url must be an http\(s\) URL/);
    rows = (await ok(['providers', 'list', '--no-check'])).providers;
    expect(rows.map((r: any) => r.audit.standing).sort()).toEqual(['unaudited', 'unaudited']);
  });

  it('refuses bundles that do not add up, name another model hash, or come from a wallet that is not an auditor, before sending', async () => {
    const before = (await ok(['wallet', 'balance', 'aud1'])).balance;
    const a = row('stories-a');
    const cases: Array<[string, string, number, RegExp]> = [
      ['aud1', bundle(a, 5, 4, (b) => (b.summary.failures = 1)), 2, /summary \(1\/5 failed\) does not match its challenges \(4\/5\)/],
      ['aud1', bundle(a, 5, 4, (b) => (b.provider.modelHash = createHash('sha256').update('other').digest('hex'))), 2, /a report on it would not count/],
      ['aud1', bundle(a, 5, 4, (b) => delete b.period), 2, /not an audit evidence bundle \(.*period/],
      ['nobody', bundle(a, 5, 4), 3, /not an auditor on the board/],
    ];
    for (const [wallet, file, code, message] of cases) {
      const r = await cli(['audit', 'publish', file, '--wallet', wallet]);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    expect((await ok(['wallet', 'balance', 'aud1'])).balance).toBe(before);
  });

  it('flags a node two independent auditors report failing: discovery leaves it out unless --include-flagged, and ranks the passed one', async () => {
    const a = row('stories-a');
    const b = row('stories-b');
    const one = await ok(['audit', 'publish', bundle(a, 5, 4), '--wallet', 'aud1']);
    expect(one).toMatchObject({replaced: false, report: {challenges: 5, failures: 4, fails: true}, standing: {standing: 'disputed', failing: 1}});
    // Still served while only one auditor says so.
    expect((await ok(['providers', 'list', '--no-check'])).providers.map((r: any) => r.model).sort()).toEqual(['stories-a', 'stories-b']);
    await ok(['audit', 'publish', bundle(a, 5, 5), '--wallet', 'aud2']);
    const clean = await ok(['audit', 'publish', bundle(b, 30, 0), '--wallet', 'aud1']);
    expect(clean.standing).toMatchObject({standing: 'passed', auditors: 1, challenges: 30});
    const listed = (await ok(['providers', 'list', '--no-check'])).providers;
    expect(listed.map((r: any) => [r.model, r.audit.standing])).toEqual([['stories-b', 'passed']]);
    const all = (await ok(['providers', 'list', '--no-check', '--include-flagged'])).providers;
    expect(all.map((r: any) => [r.model, r.audit.standing])).toEqual([['stories-b', 'passed'], ['stories-a', 'flagged']]);
    const text = await cli(['providers', 'list', '--no-check', '--include-flagged']);
    expect(text.stdout).toMatch(/flagged 2\/2 auditors \(9\/10 failed\)/);
    expect(text.stdout).toMatch(/passed 1×, 30 checks/);
    // An ask for the flagged node's model finds nobody it may use.
    const asked = await cli(['ask', '--model', 'stories-a', '--max-tokens', '4', 'Once upon a time']);
    expect(asked.code, asked.stderr).toBe(3);
    expect(asked.stderr).toMatch(/No registered provider matches/);
    // Publishing again replaces the report, it does not add one.
    const again = await ok(['audit', 'publish', bundle(a, 6, 6), '--wallet', 'aud1']);
    expect(again.replaced).toBe(true);
    const board = await ok(['audit', 'reports', '--node', a.nodeKey.slice(0, 8)]);
    expect(board.reports).toHaveLength(2);
    expect(board.standings[a.nodeKey]).toMatchObject({standing: 'flagged', auditors: 2, failing: 2, challenges: 11, failures: 11});
  });

  it('serves each published bundle by its digest, and refuses one altered on disk', async () => {
    const {reports} = await ok(['audit', 'reports', '--auditor', (await ok(['wallet', 'show', 'aud1'])).address]);
    expect(reports.length).toBe(2);
    host = await startBackground(['audit', 'serve', '--port', String(evidencePort)], {home, env, ready: /serving evidence bundles/});
    for (const r of reports) {
      const res = await fetch(r.evidenceUrl);
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(r.evidence);
    }
    const kept = path.join(home, 'data', 'audit', 'devnet', 'evidence', `${reports[0].evidence}.json`);
    expect(fs.existsSync(kept)).toBe(true);
    fs.appendFileSync(kept, ' ');
    expect((await fetch(reports[0].evidenceUrl)).status).toBe(500);
    expect((await fetch(`http://127.0.0.1:${evidencePort}/nope`)).status).toBe(404);
  });
});
