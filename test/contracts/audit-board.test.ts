// The audit board on the TVM emulator: staked auditors publish one summary per
// provider node; every auditor pays the rent of what it keeps; stakes stay
// backed through years of rent; nobody but the auditor writes its reports.
import {createHash, randomBytes} from 'node:crypto';
import {toNano, type Address} from '@ton/core';
import {Blockchain, type SandboxContract, type TreasuryContract} from '@ton/sandbox';
import {describe, expect, it} from 'vitest';
import {AuditBoard} from '../../src/chain/contracts/audit-board.js';
import type {BoardAuditor, ReportBody} from '../../src/chain/contracts/audit-board-codec.js';
import {AuditBoardConst, AuditBoardOp, ExitCode} from '../../src/chain/contracts/constants.js';
import {T0} from './fixtures.js';

const DAY = 24 * 3600;
const YEAR = 365 * DAY;
const PARAMS = {minStake: toNano('1'), unbondingDelay: 7 * DAY};
const URL = 'https://auditor.example/evidence';

function report(overrides: Partial<ReportBody> = {}): ReportBody {
  return {
    modelHash: createHash('sha256').update('stories260K.gguf').digest(),
    challenges: 30,
    failures: 0,
    periodStart: T0 - DAY,
    periodEnd: T0,
    evidence: randomBytes(32),
    ...overrides,
  };
}

async function world() {
  const blockchain = await Blockchain.create();
  blockchain.now = T0;
  const directory = (await blockchain.treasury('index')).address;
  const alice = await blockchain.treasury('alice');
  const bob = await blockchain.treasury('bob');
  const mallory = await blockchain.treasury('mallory');
  const board = blockchain.openContract(AuditBoard.createFromConfig({directory, params: PARAMS}));
  const deploy = await board.sendDeploy(alice.getSender(), toNano('0.05'));
  expect(deploy.transactions).toHaveTransaction({to: board.address, deploy: true, success: true});
  return {blockchain, alice, bob, mallory, board};
}

async function join(board: SandboxContract<AuditBoard>, who: SandboxContract<TreasuryContract>, opts: {stake?: bigint; rentSeconds?: number} = {}) {
  const stake = opts.stake ?? PARAMS.minStake;
  const quote = await board.getJoinQuote({stake, url: URL, rentSeconds: opts.rentSeconds});
  return board.sendJoin(who.getSender(), {value: quote.value, stake, url: URL});
}

async function auditorOf(board: SandboxContract<AuditBoard>, who: Address): Promise<BoardAuditor> {
  const a = (await board.getSnapshot())!.auditors.find((x) => x.address.equals(who));
  if (!a) throw new Error('no such auditor');
  return a;
}

async function publish(board: SandboxContract<AuditBoard>, blockchain: Blockchain, who: SandboxContract<TreasuryContract>, nodeKey: Buffer, body: ReportBody) {
  const a = await auditorOf(board, who.address);
  const replaces = a.reports.some((r) => r.nodeKey.equals(nodeKey));
  const quote = await board.getPublishQuote({auditor: a, reports: a.reports.length + (replaces ? 0 : 1), now: blockchain.now!});
  return board.sendPublish(who.getSender(), {value: quote.value, nodeKey, report: body});
}

describe('audit board', () => {
  it('a join locks the stake; the record says what was paid', async () => {
    const {blockchain, alice, board} = await world();
    const r = await join(board, alice);
    expect(r.transactions).toHaveTransaction({from: alice.address, to: board.address, success: true});
    const snap = (await board.getSnapshot())!;
    expect(snap.count).toBe(1);
    expect(snap.totalStaked).toBe(PARAMS.minStake);
    const a = snap.auditors[0]!;
    expect(a.address.equals(alice.address)).toBe(true);
    expect(a).toMatchObject({status: 'active', stake: PARAMS.minStake, url: URL, reports: [], joinedAt: T0});
    // The first join paid the rent beyond stake and fee: at least the month the contract demands.
    expect(a.paidUntil - T0).toBeGreaterThanOrEqual(AuditBoardConst.MIN_RENT_PERIOD);
    expect(a.rate).toBe(await board.getAuditorRate(URL, 0));
    // The account holds the stake and more.
    expect((await blockchain.getContract(board.address)).balance).toBeGreaterThan(PARAMS.minStake);
  });

  it('refuses a second join, a stake below the minimum, too little or too much rent and a malformed URL', async () => {
    const {alice, bob, mallory, board} = await world();
    await join(board, alice);
    const again = await join(board, alice);
    expect(again.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.ALREADY_AUDITOR});
    const low = await join(board, bob, {stake: PARAMS.minStake - 1n});
    expect(low.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.AUDITOR_STAKE_TOO_LOW});
    const {joinFee} = await board.getParams();
    const short = await board.sendJoin(bob.getSender(), {value: PARAMS.minStake + joinFee, stake: PARAMS.minStake, url: URL});
    expect(short.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.AUDITOR_RENT_TOO_LOW});
    const tooMuch = await board.sendJoin(bob.getSender(), {value: PARAMS.minStake + toNano('100'), stake: PARAMS.minStake, url: URL});
    expect(tooMuch.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.AUDITOR_RENT_TOO_HIGH});
    // A URL cell whose length byte lies: built by hand, the wrapper refuses to build one.
    const {beginCell} = await import('@ton/core');
    const bad = beginCell().storeUint(AuditBoardOp.JoinBoard, 32).storeUint(0, 64).storeCoins(PARAMS.minStake).storeRef(beginCell().storeUint(9, 8).storeBuffer(Buffer.from('abc')).endCell()).endCell();
    const lie = await mallory.send({to: board.address, value: toNano('2'), body: bad});
    expect(lie.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.BAD_REPORT});
    await expect(board.sendJoin(bob.getSender(), {value: toNano('2'), stake: PARAMS.minStake, url: 'x'.repeat(121)})).rejects.toThrow(/at most 120/);
    expect((await board.getSnapshot())!.count).toBe(1);
  });

  it('keeps one report per auditor and node: publishing again replaces it, and each report pays its rent', async () => {
    const {blockchain, alice, mallory, board} = await world();
    await join(board, alice);
    const node = randomBytes(32);
    const first = report({failures: 5});
    const r = await publish(board, blockchain, alice, node, first);
    expect(r.transactions).toHaveTransaction({from: alice.address, to: board.address, success: true});
    const gas = r.transactions.find((t) => t.inMessage?.info.dest?.toString() === board.address.toString())!;
    const used = gas.description.type === 'generic' && gas.description.computePhase.type === 'vm' ? Number(gas.description.computePhase.gasUsed) : Infinity;
    expect(used).toBeLessThan(AuditBoardConst.GAS_PUBLISH);
    let a = await auditorOf(board, alice.address);
    expect(a.reports).toHaveLength(1);
    expect(a.reports[0]).toMatchObject({...first, publishedAt: T0});
    expect(a.reports[0]!.nodeKey.equals(node)).toBe(true);
    expect(a.rate).toBe(await board.getAuditorRate(URL, 1));
    expect(a.rate).toBeGreaterThan(await board.getAuditorRate(URL, 0));
    // The quote kept the horizon where it was.
    const horizon = a.paidUntil;
    expect(horizon - T0).toBeGreaterThan(YEAR - DAY);

    blockchain.now = T0 + DAY;
    const second = report({failures: 0, periodStart: T0, periodEnd: T0 + DAY});
    await publish(board, blockchain, alice, node, second);
    a = await auditorOf(board, alice.address);
    expect(a.reports).toHaveLength(1);
    expect(a.reports[0]).toMatchObject({...second, publishedAt: T0 + DAY});
    // Kept within the rounding: one nanoGRAM buys 65,536 / rate seconds.
    expect(a.paidUntil).toBeGreaterThanOrEqual(horizon);
    expect(a.paidUntil - horizon).toBeLessThanOrEqual(Math.ceil((3 * 65536) / Number(a.rate)) + 2);

    // Nobody else writes alice's reports; a non-auditor cannot publish at all.
    const forged = await board.sendPublish(mallory.getSender(), {value: toNano('0.1'), nodeKey: node, report: report({failures: 30})});
    expect(forged.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.NOT_AUDITOR});
    expect((await auditorOf(board, alice.address)).reports[0]!.failures).toBe(0);
  });

  it('refuses a report with more failures than challenges, no challenges or a period that has not ended', async () => {
    const {blockchain, alice, board} = await world();
    await join(board, alice);
    const node = randomBytes(32);
    for (const bad of [report({challenges: 3, failures: 4}), report({challenges: 0, failures: 0}), report({periodEnd: T0 + 60}), report({periodStart: T0, periodEnd: T0 - 1})]) {
      const r = await board.sendPublish(alice.getSender(), {value: toNano('0.1'), nodeKey: node, report: bad});
      expect(r.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.BAD_REPORT});
    }
    expect((await auditorOf(board, alice.address)).reports).toEqual([]);
    void blockchain;
  });

  it('bounds the reports one auditor keeps; a retract makes room and lowers the rent', async () => {
    const {blockchain, alice, board} = await world();
    await join(board, alice);
    const nodes = Array.from({length: AuditBoardConst.MAX_REPORTS}, () => randomBytes(32));
    for (const n of nodes) await publish(board, blockchain, alice, n, report());
    expect((await auditorOf(board, alice.address)).reports).toHaveLength(AuditBoardConst.MAX_REPORTS);
    const over = await board.sendPublish(alice.getSender(), {value: toNano('0.1'), nodeKey: randomBytes(32), report: report()});
    expect(over.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.TOO_MANY_REPORTS});
    const before = await auditorOf(board, alice.address);
    const r = await board.sendRetract(alice.getSender(), {value: toNano('0.05'), nodeKey: nodes[0]!});
    expect(r.transactions).toHaveTransaction({from: board.address, to: alice.address, op: 0xd53276db});
    const after = await auditorOf(board, alice.address);
    expect(after.reports).toHaveLength(AuditBoardConst.MAX_REPORTS - 1);
    expect(after.rate).toBeLessThan(before.rate);
    // The same prepaid rent at a lower rate lasts longer.
    expect(after.paidUntil).toBeGreaterThan(before.paidUntil);
    const missing = await board.sendRetract(alice.getSender(), {value: toNano('0.05'), nodeKey: nodes[0]!});
    expect(missing.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.NO_REPORT});
  });

  it('takes at most MAX_AUDITORS, within its gas bound at the deepest dictionary path', async () => {
    const {blockchain, board} = await world();
    const {joinFee} = await board.getParams();
    const rate = await board.getAuditorRate(URL, 0);
    const value = PARAMS.minStake + joinFee + (BigInt(40 * DAY) * rate) / 65536n;
    let most = 0n;
    for (let i = 0; i < AuditBoardConst.MAX_AUDITORS; i++) {
      const who = await blockchain.treasury(`auditor-${i}`);
      const r = await board.sendJoin(who.getSender(), {value, stake: PARAMS.minStake, url: URL});
      const tx = r.transactions.find((t) => t.inMessage?.info.dest?.toString() === board.address.toString())!;
      if (tx.description.type !== 'generic' || tx.description.computePhase.type !== 'vm' || !tx.description.computePhase.success) throw new Error(`join ${i} failed`);
      if (tx.description.computePhase.gasUsed > most) most = tx.description.computePhase.gasUsed;
    }
    expect(Number(most)).toBeLessThan(AuditBoardConst.GAS_JOIN);
    const late = await blockchain.treasury('late');
    const full = await board.sendJoin(late.getSender(), {value, stake: PARAMS.minStake, url: URL});
    expect(full.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.BOARD_FULL});
    expect((await board.getSnapshot())!.count).toBe(AuditBoardConst.MAX_AUDITORS);
  }, 120_000);

  it('returns the stake only after leaving and the unbonding delay; no publishing meanwhile', async () => {
    const {blockchain, alice, board} = await world();
    await join(board, alice, {stake: toNano('3')});
    await publish(board, blockchain, alice, randomBytes(32), report());
    const early = await board.sendWithdraw(alice.getSender(), {value: toNano('0.05')});
    expect(early.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.AUDITOR_NOT_UNBONDING});
    await board.sendLeave(alice.getSender(), {value: toNano('0.05')});
    const a = await auditorOf(board, alice.address);
    expect(a).toMatchObject({status: 'unbonding', unlockAt: T0 + PARAMS.unbondingDelay});
    const late = await board.sendPublish(alice.getSender(), {value: toNano('0.1'), nodeKey: randomBytes(32), report: report()});
    expect(late.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.AUDITOR_NOT_ACTIVE});
    blockchain.now = T0 + PARAMS.unbondingDelay - 1;
    const wait = await board.sendWithdraw(alice.getSender(), {value: toNano('0.05')});
    expect(wait.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.AUDITOR_UNBONDING_NOT_OVER});
    blockchain.now = T0 + PARAMS.unbondingDelay;
    const out = await board.sendWithdraw(alice.getSender(), {value: toNano('0.05')});
    const payout = out.transactions.find((t) => t.inMessage?.info.src?.toString() === board.address.toString() && t.inMessage?.info.dest?.toString() === alice.address.toString());
    expect(payout).toBeDefined();
    const paid = payout!.inMessage!.info.type === 'internal' ? payout!.inMessage!.info.value.coins : 0n;
    // The stake and the attached value, less gas and forward fees (a few mGRAM at most).
    expect(paid).toBeGreaterThan(toNano('3'));
    expect(paid).toBeLessThan(toNano('3.05'));
    const snap = (await board.getSnapshot())!;
    expect(snap).toMatchObject({count: 0, totalStaked: 0n, auditors: []});
  });

  it('stays solvent for years: an auditor that stops paying is evicted after the grace period and gets the stake less its overrun', async () => {
    const {blockchain, alice, bob, mallory, board} = await world();
    await join(board, alice, {stake: toNano('2'), rentSeconds: 40 * DAY});
    await join(board, bob, {stake: toNano('2'), rentSeconds: 9 * YEAR});
    for (let i = 0; i < 5; i++) await publish(board, blockchain, alice, randomBytes(32), report());
    const a = await auditorOf(board, alice.address);
    // Before paidUntil + grace nobody may evict.
    blockchain.now = a.paidUntil + AuditBoardConst.GRACE_PERIOD - 1;
    const early = await board.sendEvict(mallory.getSender(), {value: toNano('0.05'), auditor: alice.address});
    expect(early.transactions).toHaveTransaction({to: board.address, success: false, exitCode: ExitCode.AUDITOR_NOT_EXPIRED});
    // Three years on, far past the grace period.
    blockchain.now = a.paidUntil + 3 * YEAR;
    const ev = await board.sendEvict(mallory.getSender(), {value: toNano('0.05'), auditor: alice.address});
    expect(ev.transactions).toHaveTransaction({to: board.address, success: true});
    const back = ev.transactions.find((t) => t.inMessage?.info.dest?.toString() === alice.address.toString() && t.inMessage?.info.src?.toString() === board.address.toString());
    const got = back && back.inMessage!.info.type === 'internal' ? back.inMessage!.info.value.coins : 0n;
    const overrun = (BigInt(3 * YEAR) * a.rate) / 65536n;
    expect(got).toBeLessThan(toNano('2') - overrun + 1n);
    expect(got).toBeGreaterThan(toNano('2') - overrun - toNano('0.01'));
    // The board still backs bob's stake after the years of rent it paid for the account.
    const snap = (await board.getSnapshot())!;
    expect(snap.count).toBe(1);
    expect(snap.totalStaked).toBe(toNano('2'));
    const pay = await board.sendPayRent(mallory.getSender(), {value: toNano('0.01'), auditor: bob.address});
    expect(pay.transactions).toHaveTransaction({to: board.address, success: true});
    expect((await blockchain.getContract(board.address)).balance).toBeGreaterThanOrEqual(toNano('2'));
    const b = await auditorOf(board, bob.address);
    expect(b.paidUntil).toBeGreaterThan(T0 + 9 * YEAR);
  });
});
