// `cocoon audit run` against a real provider process on the devnet, paid from an ordinary channel,
// and `cocoon audit verify` on the evidence it wrote (and on a forged copy).
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {sharedModel} from '../helpers/models.js';
import {startBackground, type Background} from '../helpers/process.js';

const model = sharedModel('stories260K.gguf');
const auditorHome = tempHome();
const providerHome = tempHome();
let env: Record<string, string>;
let node: Background | undefined;
let peer: Background | undefined;
const peerHome = tempHome();
let owner = '';

async function ok(home: string, args: string[]) {
  const r = await runCli([...args, '--json'], {home, env, timeoutMs: 180_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

describe.runIf(model)('cocoon audit, through the CLI on the devnet', () => {
  beforeAll(async () => {
    env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off'};
    await ok(auditorHome, ['devnet', 'start', '--detach']);
    await ok(auditorHome, ['wallet', 'create', 'auditor']);
    await ok(auditorHome, ['devnet', 'fund', 'auditor', '20']);
    await ok(providerHome, ['wallet', 'create', 'gpu']);
    await ok(providerHome, ['devnet', 'fund', 'gpu', '5']);
    const port = await freePort();
    const reg = await ok(providerHome, ['provide', 'register', '--model', model!, '--model-name', 'stories260K', '--stake', '1', '--price-prompt', '1', '--price-completion', '10', '--port', String(port), '--yes']);
    owner = reg.record.owner;
    node = await startBackground(['provide', 'start', '--threads', '1', '--settle-interval', '1'], {home: providerHome, env, ready: /serving \S+/});
  }, 240_000);

  afterAll(async () => {
    node?.child.kill('SIGKILL');
    peer?.child.kill('SIGKILL');
    await runCli(['devnet', 'stop'], {home: auditorHome, env});
  });

  it('audits an honest provider with paid challenges, writes evidence, and `audit verify` re-verifies it offline; a forged copy fails', async () => {
    const out = path.join(auditorHome, 'evidence.json');
    const run = await ok(auditorHome, ['audit', 'run', '--provider', owner, '--challenges', '6', '--model-file', model!, '--out', out, '--yes']);
    expect(run.providers).toHaveLength(1);
    const p = run.providers[0];
    expect(p).toMatchObject({provider: owner, model: 'stories260K', verdict: 'passed', challenges: 6, failures: 0, failed: [], evidence: out});
    const bundle = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(bundle).toMatchObject({v: 1, kind: 'cocoon-audit-evidence', summary: {challenges: 6, failures: 0}});
    // Paid like any answer: the channel to the provider has spent what the receipts say.
    const status = await ok(auditorHome, ['channel', 'status', owner]);
    expect(Number(status.signed)).toBeGreaterThan(0);

    const verified = await ok(auditorHome, ['audit', 'verify', out, '--model', model!]);
    expect(verified).toMatchObject({ok: true, problems: [], recomputed: {challenges: 6, failures: 0}, digest: p.digest});

    bundle.challenges[0].verdict = {ok: false, reason: 'greedy answer: token 1 is rank 2'};
    bundle.summary.failures = 1;
    const forged = path.join(auditorHome, 'forged.json');
    fs.writeFileSync(forged, JSON.stringify(bundle));
    const refused = await runCli(['audit', 'verify', forged, '--model', model!, '--json'], {home: auditorHome, env, timeoutMs: 120_000});
    expect(refused.code).not.toBe(0);
    expect(refused.json.error.message).toMatch(/The evidence does not hold: 1 problem \(challenge 1: stated failed, but re-scoring says it passes/);
  }, 300_000);

  it('`ask --json` reports the audit standing beside the trust level; answers kept with --keep are audited later without a query', async () => {
    const kept = path.join(auditorHome, 'kept.jsonl');
    const answer = await ok(auditorHome, ['ask', 'Once upon a time', '--provider', owner, '--max-tokens', '8', '--yes', '--keep', kept]);
    expect(answer).toMatchObject({trust: 'provider-visible', audit: {standing: 'unaudited'}});
    await ok(auditorHome, ['ask', 'Tell me a story.', '--system', 'You are a storyteller.', '--temperature', '0.8', '--provider', owner, '--max-tokens', '12', '--yes', '--keep', kept]);
    expect(fs.statSync(kept).mode & 0o777).toBe(0o600);
    const before = await ok(auditorHome, ['channel', 'status', owner]);
    const out = path.join(auditorHome, 'kept-evidence');
    const audit = await ok(auditorHome, ['audit', 'run', '--answers', kept, '--model-file', model!, '--out', out]);
    expect(audit.providers).toEqual([expect.objectContaining({provider: owner, verdict: 'passed', challenges: 2, failures: 0, unanswered: []})]);
    expect(await ok(auditorHome, ['channel', 'status', owner])).toEqual(before);
    expect((await ok(auditorHome, ['audit', 'verify', audit.providers[0].evidence, '--model', model!])).ok).toBe(true);
  }, 180_000);

  it('`provide start --audit-peers` audits a peer serving the same model hash with its own engine, in the background', async () => {
    await ok(peerHome, ['wallet', 'create', 'gpu2']);
    await ok(peerHome, ['devnet', 'fund', 'gpu2', '5']);
    const port = await freePort();
    await ok(peerHome, ['provide', 'register', '--model', model!, '--model-name', 'stories260K', '--stake', '1', '--price-prompt', '1', '--price-completion', '10', '--port', String(port), '--yes']);
    // 3600 an hour: about one a second.
    peer = await startBackground(['provide', 'start', '--threads', '1', '--settle-interval', '1', '--audit-peers', '3600'], {home: peerHome, env, ready: /auditing peers/});
    const deadline = Date.now() + 90_000;
    while (!/audited \S+: (ok|FAILED)/.test(peer.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(peer.output()).toMatch(new RegExp(`audited ${owner}: ok \\((greedy|sampled) answer`));
    const dir = path.join(peerHome, 'data', 'audit', 'peers');
    const [file] = fs.readdirSync(dir);
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, file!), 'utf8'));
    expect(bundle.provider.owner).not.toBe('');
    expect(bundle.summary.failures).toBe(0);
    expect((await ok(auditorHome, ['audit', 'verify', path.join(dir, file!), '--model', model!])).ok).toBe(true);
  }, 240_000);
});
