// The one audit-standing rule: which reports count, when a report fails, when a
// node is flagged, and how discovery filters and ranks by it.
import {createHash} from 'node:crypto';
import {Address} from '@ton/core';
import {describe, expect, it} from 'vitest';
import type {BoardAuditor, BoardReport, BoardSnapshot} from '../../src/chain/contracts/audit-board-codec.js';
import type {ProviderRecord} from '../../src/chain/contracts/registry-codec.js';
import {auditStanding, reportFails, UNAUDITED} from '../../src/consumer/audit-standing.js';
import {matchesFilter, rankProviders, type DiscoveredProvider} from '../../src/consumer/discovery.js';
import type {ProviderInfo} from '../../src/protocol/wire.js';

const NOW = 1_800_000_000;
const DAY = 86_400;
const addr = (n: number) => new Address(0, Buffer.alloc(32, n));
const hash = (s: string) => createHash('sha256').update(s).digest();
const NODE = hash('node');
const MODEL = hash('stories260K.gguf');
const record = {owner: addr(1), nodeKey: NODE, modelHash: MODEL, status: 'active', model: 'm', architecture: 'llama', promptPrice: 1n, completionPrice: 1n, stake: 1n} as ProviderRecord;

function rep(o: Partial<BoardReport> = {}): BoardReport {
  return {nodeKey: NODE, modelHash: MODEL, challenges: 30, failures: 0, periodStart: NOW - DAY, periodEnd: NOW - 60, evidence: hash('e'), publishedAt: NOW, ...o};
}
function auditor(n: number, reports: BoardReport[], o: Partial<BoardAuditor> = {}): BoardAuditor {
  return {address: addr(n), status: 'active', stake: 10n, paidUntil: NOW + 300 * DAY, rate: 1n, joinedAt: NOW - DAY, unlockAt: 0, url: 'https://a.example', reports, ...o};
}
function board(auditors: BoardAuditor[]): BoardSnapshot {
  return {directory: addr(99), params: {minStake: 10n, unbondingDelay: 7 * DAY}, count: auditors.length, totalStaked: 10n * BigInt(auditors.length), auditors};
}
const at = {now: NOW};

describe('audit standing', () => {
  it('a report fails at 2 or more failures that are over 5 % of its challenges', () => {
    expect(reportFails({challenges: 300, failures: 3})).toBe(false); // 1 %: within an honest node's tolerance
    expect(reportFails({challenges: 5, failures: 1})).toBe(false); // one miss is not proof
    expect(reportFails({challenges: 5, failures: 2})).toBe(true);
    expect(reportFails({challenges: 40, failures: 2})).toBe(false); // exactly 5 %
    expect(reportFails({challenges: 39, failures: 2})).toBe(true);
  });

  it('is unaudited with no board or no report, passed with a clean one, disputed with one failing auditor, flagged at the quorum', () => {
    expect(auditStanding(record, undefined, at)).toEqual(UNAUDITED);
    expect(auditStanding(record, board([auditor(2, [])]), at).standing).toBe('unaudited');
    expect(auditStanding(record, board([auditor(2, [rep()])]), at)).toEqual({standing: 'passed', auditors: 1, failing: 0, challenges: 30, failures: 0});
    const one = board([auditor(2, [rep()]), auditor(3, [rep({failures: 5})])]);
    expect(auditStanding(record, one, at)).toEqual({standing: 'disputed', auditors: 2, failing: 1, challenges: 60, failures: 5});
    const two = board([auditor(2, [rep({failures: 5})]), auditor(3, [rep({failures: 5})])]);
    expect(auditStanding(record, two, at).standing).toBe('flagged');
    expect(auditStanding(record, one, {...at, quorum: 1}).standing).toBe('flagged');
  });

  it('counts only independent, staked, paid-up auditors, on the registered model hash, recently', () => {
    const failing = rep({failures: 9});
    const cases: [string, BoardAuditor][] = [
      ['the provider itself', auditor(1, [failing])],
      ['unbonding', auditor(4, [failing], {status: 'unbonding'})],
      ['under-staked', auditor(5, [failing], {stake: 9n})],
      ['rent run out past the grace period', auditor(6, [failing], {paidUntil: NOW - 31 * DAY})],
      ['another model hash', auditor(7, [rep({failures: 9, modelHash: hash('other')})])],
      ['another node', auditor(8, [rep({failures: 9, nodeKey: hash('other node')})])],
      ['older than 180 days', auditor(9, [rep({failures: 9, periodEnd: NOW - 181 * DAY})])],
    ];
    for (const [why, a] of cases) {
      expect(auditStanding(record, board([a, auditor(3, [failing])]), at).standing, why).toBe('disputed');
    }
  });

  it('discovery drops flagged nodes unless asked, can require audited ones, and ranks passed before unaudited before disputed', () => {
    const flagged = auditStanding(record, board([auditor(2, [rep({failures: 5})]), auditor(3, [rep({failures: 5})])]), at);
    expect(matchesFilter(record, {}, NOW, flagged)).toBe(false);
    expect(matchesFilter(record, {includeFlagged: true}, NOW, flagged)).toBe(true);
    expect(matchesFilter(record, {requireAudited: true}, NOW, UNAUDITED)).toBe(false);
    const passed = auditStanding(record, board([auditor(2, [rep()])]), at);
    expect(matchesFilter(record, {requireAudited: true}, NOW, passed)).toBe(true);
    const info = {load: {active: 0, queued: 0, parallel: 1}} as unknown as ProviderInfo;
    const p = (n: number, audit: DiscoveredProvider['audit'], price: bigint): DiscoveredProvider => ({record: {...record, owner: addr(n), completionPrice: price}, live: {info, latencyMs: 1}, audit});
    const disputed = {...UNAUDITED, standing: 'disputed' as const};
    const ranked = rankProviders([p(1, disputed, 1n), p(2, UNAUDITED, 1n), p(3, passed, 5n)]);
    expect(ranked.map((x) => x.record.owner.hash[0])).toEqual([3, 2, 1]);
  });
});
