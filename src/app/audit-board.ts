// The audit board from the CLI (issue 16, docs/audit.md): join with a stake,
// publish the summary of an evidence bundle `cocoon audit run` wrote, list the
// reports and standings, leave and withdraw. Every send checks the wallet's
// balance first and re-reads the board afterwards, so a view shows the chain.
import fs from 'node:fs';
import {Cell, toNano, type Address, type OpenedContract} from '@ton/core';
import {CocoonError} from '../errors.js';
import {parseAnyEvidence, summarizeEvidence} from '../audit/evidence.js';
import {AuditBoard, auditBoardOf} from '../chain/contracts/audit-board.js';
import type {BoardAuditor, BoardReport, BoardSnapshot, ReportBody} from '../chain/contracts/audit-board-codec.js';
import {indexFromData} from '../chain/contracts/registry-index.js';
import {readRegistryData} from '../chain/contracts/registry-reader.js';
import type {ChainClient} from '../chain/client.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {formatTon, parseAddress} from '../chain/units.js';
import {auditStanding, describeStanding, reportFails, type AuditStanding} from '../consumer/audit-standing.js';
import {forgetCachedAccount, readRegistry} from '../consumer/discovery.js';
import type {AppContext} from './context.js';
import {evidenceDir, keepEvidence} from './evidence-host.js';

const DAY = 86_400;
/** What deploying the board sends: it joins the rent pool that pays the board's own code and root (~0.016 GRAM a year). */
export const BOARD_DEPLOY_VALUE = toNano('0.05');
const FEE_RESERVE = toNano('0.01');

/** The on-chain summary of an evidence bundle: what `audit publish` sends. */
export interface PublishedSummary extends ReportBody {
  nodeKey: Buffer;
  model: string;
}

/** Reads the summary of a bundle's bytes (src/audit/evidence.ts); refuses a bundle whose summary does not add up from its challenges. */
export function evidenceSummary(bytes: Buffer): PublishedSummary {
  const e = parseAnyEvidence(bytes);
  const failures = (e.challenges as Array<{verdict: {ok: boolean}}>).filter((c) => !c.verdict.ok).length;
  if (e.summary.challenges !== e.challenges.length || e.summary.failures !== failures) {
    throw new CocoonError('INVALID_INPUT', `The bundle's summary (${e.summary.failures}/${e.summary.challenges} failed) does not match its challenges (${failures}/${e.challenges.length}).`, {hint: 'The file was altered: run the audit again.'});
  }
  if (e.summary.challenges === 0) throw new CocoonError('INVALID_INPUT', 'The bundle holds no challenge: there is nothing to report.');
  if (e.period.start > e.period.end) throw new CocoonError('INVALID_INPUT', 'The bundle\'s period ends before it starts.');
  const s = summarizeEvidence(bytes);
  return {nodeKey: s.nodeKey, model: e.provider.model, modelHash: s.modelHash, challenges: s.challenges, failures: s.failures, periodStart: s.periodStart, periodEnd: s.periodEnd, evidence: s.digest};
}

interface OpenBoard {
  client: ChainClient;
  board: AuditBoard;
  open: OpenedContract<AuditBoard>;
  snapshot: BoardSnapshot | null;
}

/** The configured registry's audit board (derived from its index's genesis), opened, with its current data. */
async function openBoard(app: AppContext): Promise<OpenBoard> {
  const {client, registry} = await app.chainAccess();
  const general = await client.call((ton) => ton.getContractState(registry));
  if (general.state !== 'active' || !general.data) throw new CocoonError('NOT_FOUND', `No registry is deployed at ${registry.toString()}.`, {hint: 'Check the network and the registry address (`cocoon registry show`).'});
  const directory = readRegistryData(Cell.fromBoc(general.data)[0]!).directory;
  const index = await client.call((ton) => ton.getContractState(directory));
  if (index.state !== 'active' || !index.data) throw new CocoonError('NOT_FOUND', 'This registry has no index, so it has no audit board.', {hint: 'Audit boards belong to registry v2 deployments.'});
  const view = indexFromData(directory, Cell.fromBoc(index.data)[0]!);
  const board = auditBoardOf(directory, view.index.genesis!);
  const open = client.ton.open(board);
  const snapshot = await client.call(() => open.getSnapshot());
  return {client, board, open, snapshot};
}

async function ensureFunds(client: ChainClient, wallet: Address, value: bigint, what: string): Promise<void> {
  const balance = await client.balance(wallet);
  if (balance < value + FEE_RESERVE) {
    throw new CocoonError('INSUFFICIENT_FUNDS', `${what} costs ${formatTon(value)} GRAM plus the wallet's fee; the wallet holds ${formatTon(balance)} GRAM.`, {hint: 'Top the wallet up (`cocoon wallet show` prints its address).'});
  }
}

const iso = (s: number) => new Date(s * 1000).toISOString();

/** One report as `audit reports` shows it. */
export interface ReportView {
  auditor: string;
  nodeKey: string;
  modelHash: string;
  challenges: number;
  failures: number;
  fails: boolean;
  periodStart: string;
  periodEnd: string;
  publishedAt: string;
  evidence: string;
  /** Where the bundle is served: the auditor's URL and the digest. */
  evidenceUrl: string;
}

/** One auditor as `audit reports` shows it. */
export interface AuditorView {
  address: string;
  status: BoardAuditor['status'];
  /** GRAM. */
  stake: string;
  paidUntil: string;
  unlockAt?: string;
  url: string;
  reports: number;
}

function reportView(a: BoardAuditor, r: BoardReport, app: AppContext): ReportView {
  const evidence = r.evidence.toString('hex');
  return {
    auditor: formatAddress(a.address, app.network),
    nodeKey: r.nodeKey.toString('hex'),
    modelHash: r.modelHash.toString('hex'),
    challenges: r.challenges,
    failures: r.failures,
    fails: reportFails(r),
    periodStart: iso(r.periodStart),
    periodEnd: iso(r.periodEnd),
    publishedAt: iso(r.publishedAt),
    evidence,
    evidenceUrl: `${a.url.replace(/\/+$/, '')}/${evidence}.json`,
  };
}

function auditorView(a: BoardAuditor, app: AppContext): AuditorView {
  return {address: formatAddress(a.address, app.network), status: a.status, stake: formatTon(a.stake), paidUntil: iso(a.paidUntil), ...(a.status === 'unbonding' ? {unlockAt: iso(a.unlockAt)} : {}), url: a.url, reports: a.reports.length};
}

/** What `audit join` reports. */
export interface JoinView {
  board: string;
  deployed: boolean;
  /** GRAM sent (stake, fee and rent; and the deploy when it was needed). */
  paid: string;
  auditor: AuditorView;
}

/** Stake on the board (deploying it first when nobody has), prepaying `days` of the record's rent (default 365). */
export async function joinBoard(app: AppContext, options: {wallet?: string; stake?: string; url: string; days?: number}): Promise<JoinView> {
  if (!/^https?:\/\/\S+$/.test(options.url)) throw new CocoonError('USAGE', `--url must be an http(s) URL where your evidence bundles are served, got "${options.url}".`, {hint: 'e.g. --url https://me.example/cocoon-evidence (bundles go to <url>/<digest>.json; `cocoon audit serve` serves a folder).'});
  const {sender} = await app.sender(options.wallet);
  const {client, board, open, snapshot} = await openBoard(app);
  if (snapshot?.auditors.some((a) => a.address.equals(sender.address))) {
    throw new CocoonError('ALREADY_EXISTS', 'This wallet is already an auditor on the board.', {hint: 'See it with `cocoon audit reports`; leave with `cocoon audit leave`.'});
  }
  let paid = 0n;
  if (!snapshot) {
    await ensureFunds(client, sender.address, BOARD_DEPLOY_VALUE, 'Deploying the audit board');
    await open.sendDeploy(sender, BOARD_DEPLOY_VALUE);
    paid += BOARD_DEPLOY_VALUE;
  }
  const params = await client.call(() => open.getParams());
  const stake = options.stake ? toNano(options.stake) : params.minStake;
  if (stake < params.minStake) throw new CocoonError('USAGE', `The board's minimum stake is ${formatTon(params.minStake)} GRAM.`, {hint: `Use --stake ${formatTon(params.minStake)} or more.`});
  const quote = await client.call(() => open.getJoinQuote({stake, url: options.url, rentSeconds: (options.days ?? 365) * DAY}));
  await ensureFunds(client, sender.address, quote.value, 'Joining the audit board');
  await open.sendJoin(sender, {value: quote.value, stake, url: options.url});
  paid += quote.value;
  forgetCachedAccount(await app.chainAccess(), board.address);
  const after = await client.call(() => open.getSnapshot());
  const me = after?.auditors.find((a) => a.address.equals(sender.address));
  if (!me) throw new CocoonError('CHAIN_ERROR', 'The join was sent but the board does not list this wallet.', {hint: 'Check `cocoon audit reports` in a minute; the chain may be slow.'});
  return {board: formatAddress(board.address, app.network), deployed: !snapshot, paid: formatTon(paid), auditor: auditorView(me, app)};
}

/** What `audit publish` reports. */
export interface PublishView {
  /** GRAM sent (fee and the rent that keeps the horizon). */
  paid: string;
  /** The copy of the bundle `audit serve` serves by default. */
  kept: string;
  replaced: boolean;
  report: ReportView;
  standing: AuditStanding;
  /** The standing in words. */
  standingLabel: string;
}

/**
 * Publish the summary of an evidence bundle: the node must be registered with
 * the model hash the bundle was checked against (a report on an old model does
 * not count), and the wallet must be an active auditor.
 */
export async function publishReport(app: AppContext, options: {wallet?: string; evidenceFile: string}): Promise<PublishView> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(options.evidenceFile);
  } catch (err) {
    throw new CocoonError('NOT_FOUND', `Cannot read the evidence file ${options.evidenceFile}: ${(err as Error).message}.`, {hint: 'Pass the file `cocoon audit run --out FILE` wrote.'});
  }
  const summary = evidenceSummary(bytes);
  const {sender} = await app.sender(options.wallet);
  // One registry read gives the node's record and the board's data (a rate-limited endpoint counts every read).
  const chain = await app.chainAccess();
  const client = chain.client;
  const {records, board: snapshot, boardAddress} = await readRegistry({...chain, cacheMs: 0, model: summary.model});
  if (!boardAddress) throw new CocoonError('NOT_FOUND', 'This registry has no index, so it has no audit board.', {hint: 'Audit boards belong to registry v2 deployments.'});
  const open = client.ton.open(AuditBoard.createFromAddress(boardAddress));
  const me = snapshot?.auditors.find((a) => a.address.equals(sender.address));
  if (!me) throw new CocoonError('NOT_FOUND', 'This wallet is not an auditor on the board.', {hint: 'Join first: `cocoon audit join --url <where you serve evidence>`.'});
  if (me.status !== 'active') throw new CocoonError('USAGE', 'This wallet is leaving the board (unbonding): it cannot publish.', {hint: 'Withdraw after the unlock time, then join again.'});
  const record = records.find((r) => r.nodeKey.equals(summary.nodeKey));
  if (!record) throw new CocoonError('NOT_FOUND', `No provider node ${summary.nodeKey.toString('hex').slice(0, 16)}… is registered: there is nothing to report on.`);
  if (!record.modelHash.equals(summary.modelHash)) {
    throw new CocoonError('USAGE', `The node is now registered with model hash ${record.modelHash.toString('hex').slice(0, 16)}…, not the ${summary.modelHash.toString('hex').slice(0, 16)}… the bundle checked: a report on it would not count.`, {hint: 'Audit the node again.'});
  }
  const now = Math.floor(Date.now() / 1000);
  if (summary.periodEnd > now) throw new CocoonError('USAGE', 'The bundle\'s period ends in the future (check this machine\'s clock).');
  const replaced = me.reports.some((r) => r.nodeKey.equals(summary.nodeKey));
  const quote = await client.call(() => open.getPublishQuote({auditor: me, reports: me.reports.length + (replaced ? 0 : 1), now}));
  await ensureFunds(client, sender.address, quote.value, 'Publishing the report');
  await open.sendPublish(sender, {value: quote.value, nodeKey: summary.nodeKey, report: summary});
  forgetCachedAccount(await app.chainAccess(), open.address);
  const after = (await client.call(() => open.getSnapshot()))!;
  const mine = after.auditors.find((a) => a.address.equals(sender.address));
  const report = mine?.reports.find((r) => r.nodeKey.equals(summary.nodeKey) && r.evidence.equals(summary.evidence));
  if (!mine || !report) throw new CocoonError('CHAIN_ERROR', 'The report was sent but the board does not hold it.', {hint: 'Check `cocoon audit reports` in a minute; the chain may be slow.'});
  const standing = auditStanding(record, after);
  const kept = keepEvidence(evidenceDir(app.network), summary.evidence.toString('hex'), bytes);
  return {kept, paid: formatTon(quote.value), replaced, report: reportView(mine, report, app), standing, standingLabel: describeStanding(standing)};
}

/** What `audit reports` prints. */
export interface ReportsView {
  board: string;
  deployed: boolean;
  /** GRAM. */
  minStake?: string;
  auditors: AuditorView[];
  reports: ReportView[];
  /** The standing of each node reported on, by node key. */
  standings: Record<string, AuditStanding & {model: string; owner: string; label: string}>;
}

/** Every auditor and report on the board, optionally only those about one node or by one auditor, with the standings. */
export async function listReports(app: AppContext, options: {nodeKey?: string; auditor?: string} = {}): Promise<ReportsView> {
  if (options.nodeKey !== undefined && !/^[0-9a-fA-F]{1,64}$/.test(options.nodeKey)) throw new CocoonError('USAGE', '--node takes hex digits of a node key.', {hint: 'e.g. --node 3f2a (see `cocoon providers list --json`).'});
  const auditor = options.auditor === undefined ? undefined : parseAddress(options.auditor);
  const {board, snapshot} = await openBoard(app);
  const base = {board: formatAddress(board.address, app.network), deployed: snapshot !== null};
  if (!snapshot) return {...base, auditors: [], reports: [], standings: {}};
  const auditors = snapshot.auditors.filter((a) => !auditor || a.address.equals(auditor));
  const reports = auditors.flatMap((a) => a.reports.filter((r) => !options.nodeKey || r.nodeKey.toString('hex').startsWith(options.nodeKey.toLowerCase())).map((r) => reportView(a, r, app)));
  const {records} = await readRegistry({...(await app.chainAccess()), cacheMs: 0});
  const standings: ReportsView['standings'] = {};
  for (const key of new Set(reports.map((r) => r.nodeKey))) {
    const record = records.find((r) => r.nodeKey.toString('hex') === key);
    if (!record) continue;
    const standing = auditStanding(record, snapshot);
    standings[key] = {...standing, model: record.model, owner: formatAddress(record.owner, app.network), label: describeStanding(standing)};
  }
  return {...base, minStake: formatTon(snapshot.params.minStake), auditors: auditors.map((a) => auditorView(a, app)), reports, standings};
}

/** What `audit leave` and `audit withdraw` report. */
export interface LeaveView {
  auditor: string;
  unlockAt?: string;
  /** GRAM the wallet holds afterwards. */
  balance: string;
}

async function myRecord(app: AppContext, wallet?: string) {
  const {sender} = await app.sender(wallet);
  const opened = await openBoard(app);
  const me = opened.snapshot?.auditors.find((a) => a.address.equals(sender.address));
  if (!me) throw new CocoonError('NOT_FOUND', 'This wallet is not an auditor on the board.', {hint: 'Nothing to leave or withdraw.'});
  return {sender, me, ...opened};
}

/** Start the week of unbonding: no more publishing; the reports stay until the withdrawal. */
export async function leaveBoard(app: AppContext, options: {wallet?: string} = {}): Promise<LeaveView> {
  const {sender, me, client, open} = await myRecord(app, options.wallet);
  if (me.status !== 'active') throw new CocoonError('USAGE', `This auditor is already leaving; it may withdraw from ${iso(me.unlockAt)}.`);
  await ensureFunds(client, sender.address, toNano('0.05'), 'Leaving the board');
  await open.sendLeave(sender, {value: toNano('0.05')});
  forgetCachedAccount(await app.chainAccess(), open.address);
  const after = (await client.call(() => open.getSnapshot()))?.auditors.find((a) => a.address.equals(sender.address));
  return {auditor: formatAddress(sender.address, app.network), ...(after ? {unlockAt: iso(after.unlockAt)} : {}), balance: formatTon(await client.balance(sender.address))};
}

/** After the unbonding delay: the stake (less any rent overrun) comes back, and the reports leave the board. */
export async function withdrawBoard(app: AppContext, options: {wallet?: string} = {}): Promise<LeaveView> {
  const {sender, me, client, open} = await myRecord(app, options.wallet);
  if (me.status !== 'unbonding') throw new CocoonError('USAGE', 'This auditor has not left the board.', {hint: 'Run `cocoon audit leave` first; withdraw a week later.'});
  const now = Math.floor(Date.now() / 1000);
  if (now < me.unlockAt) throw new CocoonError('USAGE', `The stake unlocks at ${iso(me.unlockAt)}.`, {hint: 'Withdraw then.'});
  await ensureFunds(client, sender.address, toNano('0.05'), 'Withdrawing');
  await open.sendWithdraw(sender, {value: toNano('0.05')});
  forgetCachedAccount(await app.chainAccess(), open.address);
  return {auditor: formatAddress(sender.address, app.network), balance: formatTon(await client.balance(sender.address))};
}
