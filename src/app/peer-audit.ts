/**
 * `provide start --audit-peers N` (docs/audit.md §8): a serving node audits the
 * providers of its model hash in the background with its own loaded engine.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {runAudit, type AuditOutcome} from '../audit/auditor.js';
import {encodeEvidence, parseEvidence} from '../audit/evidence.js';
import {parseTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {dataPath} from '../config/paths.js';
import {discoverProviders} from '../consumer/discovery.js';
import {CocoonError} from '../errors.js';
import type {InferenceEngine} from '../inference/types.js';
import {askOnly} from './audit.js';
import type {AppContext} from './context.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Options of startPeerAudits: a serving node audits peers that serve its model hash, with its own engine. */
export interface PeerAuditOptions {
  /** The running node: its record (model hash, own node key) and its engine (re-scores on a borrowed sequence). */
  node: {record: {modelHash: Buffer; nodeKey: Buffer; model: string}; engine: InferenceEngine};
  /** Challenges per hour, on average (Poisson: no fixed rhythm for a peer to spot). */
  perHour: number;
  /** Wallet that pays the challenges (unlocked on the first channel it opens). Default: the context's. */
  wallet?: string;
  /** GRAM per channel opened or topped up. Default: setting channel.deposit. */
  deposit?: string;
  /** A line per challenge or failure to audit. */
  onResult?: (line: string) => void;
  /** Random numbers in [0, 1). Default: Math.random. */
  random?: () => number;
}

/**
 * Audit peers in the background (`provide start --audit-peers N`): at random
 * times, one challenge to one live provider of the same model hash (never
 * this node), re-scored with this node's loaded engine, appended to that
 * peer's evidence file in <data dir>/audit/peers/. Stop it before the node.
 */
export function startPeerAudits(app: AppContext, options: PeerAuditOptions): {stop(): Promise<void>} {
  const engine = options.node.engine;
  if (!engine.score) throw new CocoonError('USAGE', 'This engine cannot re-score answers, so it cannot audit peers.');
  if (!(options.perHour > 0)) throw new CocoonError('INVALID_INPUT', `--audit-peers must be above 0 challenges per hour, got ${options.perHour}.`);
  const scorer = {model: engine.model, score: engine.score.bind(engine)};
  const random = options.random ?? Math.random;
  const hash = hex(options.node.record.modelHash);
  const own = hex(options.node.record.nodeKey);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const funding = app.funding({mode: 'always', deposit: parseTon(options.deposit ?? app.settings.get('channel.deposit')), wallet: options.wallet});
  funding.catch(() => undefined);
  const once = async () => {
    const chain = await app.chainAccess();
    const peers = (await discoverProviders({...chain, filter: {model: options.node.record.model}})).filter((p) => p.live && hex(p.record.modelHash) === hash && hex(p.record.nodeKey) !== own);
    if (peers.length === 0) return;
    const peer = peers[Math.floor(random() * peers.length)]!;
    const provider = {owner: peer.record.owner.toRawString(), nodeKey: hex(peer.record.nodeKey), model: peer.record.model, modelHash: hash};
    const outcome = await runAudit({provider, ask: async (c) => askOnly(app, peer, await funding, c), scorer, challenges: 1});
    const file = path.join(dataPath('audit', 'peers'), `${provider.owner.replace(':', '_')}-${provider.nodeKey.slice(0, 8)}.json`);
    const bundle = await appendEvidence(file, outcome);
    const c = outcome.bundle.challenges[0];
    const who = formatAddress(peer.record.owner, app.network);
    options.onResult?.(c ? `audited ${who}: ${c.verdict.ok ? 'ok' : 'FAILED'} (${c.verdict.reason}); ${bundle.summary.failures} of ${bundle.summary.challenges} failed so far, evidence ${file}` : `audited ${who}: no answer (${outcome.unanswered[0]?.error})`);
  };
  const schedule = () => {
    if (stopped) return;
    const delay = (-Math.log(1 - random()) * 3_600_000) / options.perHour;
    timer = setTimeout(() => {
      running = once()
        .catch((err: unknown) => options.onResult?.(`peer audit failed: ${(err as Error).message}`))
        .finally(schedule);
    }, delay);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Add an audit's challenges to a peer's evidence file (made on the first), and write it back whole. */
async function appendEvidence(file: string, outcome: AuditOutcome) {
  const existing = await fs.readFile(file).then(parseEvidence, () => undefined);
  const b = existing ?? {...outcome.bundle, challenges: []};
  const challenges = [...b.challenges, ...outcome.bundle.challenges];
  const bundle = {
    ...b,
    period: {start: Math.min(b.period.start, outcome.bundle.period.start), end: Math.max(b.period.end, outcome.bundle.period.end)},
    challenges,
    summary: {challenges: challenges.length, failures: challenges.filter((c) => !c.verdict.ok).length},
  };
  await fs.mkdir(path.dirname(file), {recursive: true});
  await fs.writeFile(file, encodeEvidence(bundle));
  return bundle;
}
