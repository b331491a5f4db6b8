/**
 * `cocoon audit run|verify` (docs/audit.md): audit providers with challenge
 * queries paid from ordinary channels, and re-verify evidence files offline.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {runAudit, type AuditOutcome} from '../audit/auditor.js';
import type {ChallengeRequest} from '../audit/challenge.js';
import {runEmbeddingAudit, verifyEmbeddingEvidence} from '../audit/embed-audit.js';
import {encodeEvidence, parseAnyEvidence, summarizeEvidence, type AnyEvidenceBundle} from '../audit/evidence.js';
import {auditKeptAnswers, parseKeptAnswers} from '../audit/kept.js';
import {verifyEvidence} from '../audit/verify.js';
import {formatTon, parseAddress, parseTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {dataPath} from '../config/paths.js';
import {ask, type ChannelFunding} from '../consumer/ask.js';
import {discoverProviders, type DiscoveredProvider} from '../consumer/discovery.js';
import type {FundingMode} from '../consumer/funding.js';
import {CocoonError} from '../errors.js';
import {createEmbedder, type LlamaEmbedder} from '../inference/embedder.js';
import {createEngine, type LlamaEngine} from '../inference/engine.js';
import {servedKind} from '../chain/contracts/registry-extension.js';
import {embed} from '../consumer/embed.js';
import {modelSha256} from '../inference/hash.js';
import {listModels} from '../inference/models.js';
import type {Address} from '@ton/core';
import type {AppContext} from './context.js';

/** What `audit run` is asked. */
export interface AuditRunRequest {
  /** Audit this provider (wallet address); else every live provider of `model`. */
  provider?: string;
  /** Audit every live provider of this model (name, case-insensitive). */
  model?: string;
  /** Audit the answers kept in this file (`ask --keep`) instead of sending challenges: no query, no payment. */
  answers?: string;
  /** Challenges per provider. Default: 10. */
  challenges?: number;
  /** The registered GGUF (its hash is checked). Default: the file in the models dir whose SHA-256 the record names. */
  modelPath?: string;
  /** Where to write the evidence: a file for one provider, else a directory. Default: <data dir>/audit/. */
  out?: string;
  /** Stop a provider's audit after this many failures. Default: 3. */
  stopAfterFailures?: number;
  /** GRAM to deposit when a channel must be opened or topped up. Default: setting channel.deposit. */
  deposit?: string;
  funding?: FundingMode;
  confirm?: (question: string) => Promise<boolean>;
  /** Progress lines. */
  onNote?: (message: string) => void;
}

/** One audited provider, as `audit run --json` prints it. */
export interface AuditProviderView {
  provider: string;
  owner: string;
  nodeKey: string;
  model: string;
  modelHash: string;
  /** passed: every challenge re-scored as honest; flagged: at least one failed; inconclusive: no challenge was answered. */
  verdict: 'passed' | 'flagged' | 'inconclusive';
  challenges: number;
  failures: number;
  /** Each failed challenge's evidence line. */
  failed: {challenge: number; reason: string}[];
  /** Challenges with no usable answer (not evidence either way). */
  unanswered: {challenge: string; error: string}[];
  /** The evidence file and its SHA-256 (what an auditor publishes). */
  evidence: string;
  digest: string;
}

/** `audit run --json`. */
export interface AuditRunView {
  providers: AuditProviderView[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Audit one provider, or every live provider of a model, or the answers a consumer kept. */
export async function auditProviders(app: AppContext, request: AuditRunRequest): Promise<AuditRunView> {
  if (request.answers) return auditKept(app, request, request.answers);
  if (!request.provider && !request.model) throw new CocoonError('USAGE', 'Name a provider or a model to audit.', {hint: 'Pass --provider ADDRESS or --model NAME, or --answers FILE.'});
  const challenges = request.challenges ?? 10;
  if (!Number.isInteger(challenges) || challenges < 1) throw new CocoonError('INVALID_INPUT', `--challenges must be a positive integer, got ${challenges}.`);
  const chain = await app.chainAccess();
  // Chat and embedding nodes alike: each is audited the way its kind is served.
  const found = await discoverProviders({...chain, filter: {provider: request.provider ? parseAddress(request.provider) : undefined, model: request.model, kind: 'any'}, cacheMs: 0, liveCacheMs: 0});
  const live = found.filter((p) => p.live);
  if (live.length === 0) {
    throw new CocoonError(found.length === 0 ? 'NOT_FOUND' : 'PROVIDER_UNAVAILABLE', found.length === 0 ? 'No registered provider matches.' : `None of the ${found.length} matching providers answers.`, {
      hint: 'See `cocoon providers list`.',
    });
  }
  const funding = await app.funding({mode: request.funding ?? 'never', deposit: parseTon(request.deposit ?? app.settings.get('channel.deposit')), confirm: request.confirm && ((low) => request.confirm!(`The channel has ${formatTon(low.remaining)} GRAM left; top up ${formatTon(low.amount)} GRAM to go on auditing?`))});
  const views: AuditProviderView[] = [];
  const engines = new Map<string, Promise<LlamaEngine | LlamaEmbedder>>();
  const loaded = (hash: string, kind: 'chat' | 'embeddings', name: string) => {
    const key = `${kind}/${hash}`;
    if (!engines.has(key)) engines.set(key, loadRegistered(hash, request.modelPath, name, kind));
    return engines.get(key)!;
  };
  try {
    for (const candidate of live) {
      const hash = hex(candidate.record.modelHash);
      const provider = {owner: candidate.record.owner.toRawString(), nodeKey: hex(candidate.record.nodeKey), model: candidate.record.model, modelHash: hash};
      const onChallenge = (i: number, c: {verdict: {ok: boolean; reason: string}}) => request.onNote?.(`  challenge ${i + 1}: ${c.verdict.ok ? 'ok' : 'FAILED'}: ${c.verdict.reason}`);
      const embeds = servedKind(candidate.record.extension) === 'embeddings';
      request.onNote?.(`auditing ${formatAddress(candidate.record.owner, app.network)} (${candidate.record.model}${embeds ? ', embeddings' : ''}) with ${challenges} challenges`);
      const stopAfterFailures = request.stopAfterFailures ?? 3;
      const file = evidencePath(request.out, live.length, candidate.record);
      if (embeds) {
        const reembedder = (await loaded(hash, 'embeddings', candidate.record.model)) as LlamaEmbedder;
        const outcome = await runEmbeddingAudit({provider, embed: (input) => embedOnly(app, candidate, funding, input), reembedder, challenges, stopAfterFailures, onChallenge});
        views.push(await saveOutcome(app, outcome.bundle, outcome.unanswered.map((u) => ({challenge: u.input.join(' / '), error: u.error})), file));
      } else {
        const engine = (await loaded(hash, 'chat', candidate.record.model)) as LlamaEngine;
        const outcome = await runAudit({provider, ask: (c) => askOnly(app, candidate, funding, c), scorer: engine, challenges, stopAfterFailures, onChallenge});
        views.push(await saveOutcome(app, outcome.bundle, unansweredViews(outcome), file));
      }
    }
  } finally {
    for (const e of engines.values()) await e.then((x) => x.dispose()).catch(() => undefined);
  }
  return {providers: views};
}

/** Re-score answers kept by `ask --keep`: one bundle per provider node, grouped by registered model. */
async function auditKept(app: AppContext, request: AuditRunRequest, file: string): Promise<AuditRunView> {
  const text = await fs.readFile(file, 'utf8').catch((err: unknown) => Promise.reject(new CocoonError('NOT_FOUND', `Cannot read ${file}: ${(err as Error).message}`)));
  const answers = parseKeptAnswers(text).filter((a) => (!request.provider || a.provider.owner === parseAddress(request.provider).toRawString()) && (!request.model || a.provider.model.toLowerCase() === request.model.toLowerCase()));
  if (answers.length === 0) throw new CocoonError('NOT_FOUND', `No kept answer in ${file} matches.`, {hint: 'Keep answers with `cocoon ask --keep FILE`.'});
  const views: AuditProviderView[] = [];
  const nodes = new Set(answers.map((a) => a.provider.nodeKey)).size;
  for (const hash of new Set(answers.map((a) => a.provider.modelHash))) {
    const engine = await loadRegistered(hash, request.modelPath, answers.find((a) => a.provider.modelHash === hash)!.provider.model, 'chat');
    try {
      for (const outcome of await auditKeptAnswers(answers, engine)) {
        const owner = parseAddress(outcome.bundle.provider.owner);
        views.push(await saveOutcome(app, outcome.bundle, unansweredViews(outcome), evidencePath(request.out, nodes, {owner, nodeKey: Buffer.from(outcome.bundle.provider.nodeKey, 'hex')})));
      }
    } finally {
      await engine.dispose();
    }
  }
  return {providers: views};
}

/** Texts through the consumer's own embed(), to this embedding node only, paid from an ordinary channel. */
function embedOnly(app: AppContext, candidate: DiscoveredProvider, funding: ChannelFunding, input: string[]) {
  return app.chainAccess().then((chain) => embed({...chain, store: app.channels, candidates: [candidate], filter: {}, funding, input}));
}

function unansweredViews(outcome: AuditOutcome): AuditProviderView['unanswered'] {
  return outcome.unanswered.map((u) => ({challenge: u.request.prompt ?? u.request.messages!.at(-1)!.content, error: u.error}));
}

/** One challenge through the consumer's own ask(), to this provider only, paid from an ordinary channel. */
export function askOnly(app: AppContext, candidate: DiscoveredProvider, funding: ChannelFunding, c: ChallengeRequest) {
  return app.chainAccess().then((chain) =>
    ask({...chain, store: app.channels, candidates: [candidate], filter: {}, funding, prompt: c.prompt, messages: c.messages, maxTokens: c.maxTokens, params: c.params}),
  );
}

/** The registered model file: the given path, or the store's file with that hash; refused unless its SHA-256 is `hash`. */
async function loadRegistered(hash: string, modelPath: string | undefined, name: string, kind: 'chat'): Promise<LlamaEngine>;
async function loadRegistered(hash: string, modelPath: string | undefined, name: string, kind: 'chat' | 'embeddings'): Promise<LlamaEngine | LlamaEmbedder>;
async function loadRegistered(hash: string, modelPath: string | undefined, name: string, kind: 'chat' | 'embeddings'): Promise<LlamaEngine | LlamaEmbedder> {
  let file = modelPath;
  if (!file) {
    for (const m of await listModels()) {
      if (!m.partial && !m.error && (await modelSha256(m.path)) === hash) file = m.path;
    }
  }
  if (!file) throw new CocoonError('NOT_FOUND', `No model file here has the SHA-256 the provider registered (${hash}).`, {hint: 'Pull the registered model (`cocoon models pull`) or pass it with --model-file.'});
  const engine = kind === 'embeddings' ? await createEmbedder({modelPath: file, name}) : await createEngine({modelPath: file, parallel: 1, name});
  if (engine.model.sha256 !== hash) {
    await engine.dispose();
    throw new CocoonError('INVALID_INPUT', `${file} has SHA-256 ${engine.model.sha256}; the provider registered ${hash}.`, {hint: 'Pass the registered model file.'});
  }
  return engine;
}

function evidencePath(out: string | undefined, providers: number, p: {owner: Address; nodeKey: Buffer}): string {
  const name = `${p.owner.toRawString().replace(':', '_')}-${hex(p.nodeKey).slice(0, 8)}-${Date.now()}.json`;
  // A .json path names the file (one provider); anything else is a directory for one file per provider.
  if (out?.endsWith('.json')) {
    if (providers > 1) throw new CocoonError('USAGE', `--out ${out} names one file, but ${providers} providers are audited.`, {hint: 'Pass a directory to --out.'});
    return path.resolve(out);
  }
  return path.join(out ? path.resolve(out) : dataPath('audit'), name);
}

async function saveOutcome(app: AppContext, b: AnyEvidenceBundle, unanswered: AuditProviderView['unanswered'], file: string): Promise<AuditProviderView> {
  const bytes = encodeEvidence(b);
  await fs.mkdir(path.dirname(file), {recursive: true});
  await fs.writeFile(file, bytes);
  const challenges: Array<{verdict: {ok: boolean; reason: string}}> = b.challenges;
  return {
    provider: formatAddress(parseAddress(b.provider.owner), app.network),
    owner: b.provider.owner,
    nodeKey: b.provider.nodeKey,
    model: b.provider.model,
    modelHash: b.provider.modelHash,
    verdict: b.summary.failures > 0 ? 'flagged' : b.summary.challenges > 0 ? 'passed' : 'inconclusive',
    challenges: b.summary.challenges,
    failures: b.summary.failures,
    failed: challenges.flatMap((c, i) => (c.verdict.ok ? [] : [{challenge: i + 1, reason: c.verdict.reason}])),
    unanswered,
    evidence: file,
    digest: hex(summarizeEvidence(bytes).digest),
  };
}

/** What `audit verify` is asked. */
export interface AuditVerifyRequest {
  file: string;
  /** The registered GGUF. Default: the file in the models dir with the bundle's model hash. */
  modelPath?: string;
}

/** `audit verify --json`. */
export interface AuditVerifyView {
  ok: boolean;
  problems: string[];
  provider: string;
  model: string;
  modelHash: string;
  stated: {challenges: number; failures: number};
  recomputed: {challenges: number; failures: number};
  period: {start: number; end: number};
  digest: string;
}

/** Re-verify an evidence file offline against the registered model. */
export async function verifyEvidenceFile(app: AppContext, request: AuditVerifyRequest): Promise<AuditVerifyView> {
  const bytes = await fs.readFile(request.file).catch((err: unknown) => {
    throw new CocoonError('NOT_FOUND', `Cannot read ${request.file}: ${(err as Error).message}`);
  });
  const bundle = parseAnyEvidence(bytes);
  const embeds = bundle.kind === 'cocoon-embedding-evidence';
  const engine = await loadRegistered(bundle.provider.modelHash, request.modelPath, bundle.provider.model, embeds ? 'embeddings' : 'chat');
  try {
    const v = embeds ? {...(await verifyEmbeddingEvidence(bundle, engine as LlamaEmbedder)), summary: summarizeEvidence(bytes)} : await verifyEvidence(bytes, {engine: engine as LlamaEngine});
    return {
      ok: v.problems.length === 0,
      problems: v.problems,
      provider: formatAddress(parseAddress(bundle.provider.owner), app.network),
      model: bundle.provider.model,
      modelHash: bundle.provider.modelHash,
      stated: bundle.summary,
      recomputed: v.recomputed,
      period: bundle.period,
      digest: hex(v.summary.digest),
    };
  } finally {
    await engine.dispose();
  }
}
