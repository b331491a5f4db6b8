// The time-travel property of the v2 contracts, shared by
// test/contracts/time-travel.property.test.ts (a modest run count) and
// bench/contracts-property.bench.ts (a big one). fast-check drives random
// opens, top-ups, vouchers, internal and external claims, replays, re-opens,
// closes and registry operations over @ton/sandbox while `now` jumps by
// seconds, months and years. Plain node:assert, so it runs outside vitest too.
import assert from 'node:assert/strict';
import {beginCell, external, toNano, type Cell, type Transaction} from '@ton/core';
import {Blockchain, type SandboxContract, type TreasuryContract} from '@ton/sandbox';
import fc from 'fast-check';
import {Channel} from '../../src/chain/contracts/channel.js';
import {signCloseAgreement} from '../../src/chain/contracts/channel-codec.js';
import {ChannelOp, RegistryConst} from '../../src/chain/contracts/constants.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {keyPair, sampleProfile, T0} from './fixtures.js';

const DAY = 24 * 3600;
const YEAR = 365 * DAY;
const CLOSE_DELAY = 3600;

/** One random step. */
export type Step =
  | {kind: 'open' | 'topup'; amount: bigint}
  | {kind: 'sign'; inc: bigint}
  | {kind: 'claim'; voucher: 'newest' | 'older' | 'earlierLife'; external: boolean; withInit: boolean}
  | {kind: 'replay'}
  | {kind: 'startClose' | 'finish'}
  | {kind: 'coop'; inc: bigint}
  | {kind: 'wait'; seconds: number}
  | {kind: 'register'; who: number; stake: bigint; rentDays: number}
  | {kind: 'payRent' | 'unregister' | 'withdraw' | 'evict'; who: number};

const nano = (min: string, max: string) => fc.bigInt({min: toNano(min), max: toNano(max)});
const who = fc.integer({min: 0, max: 2});
/** The generator of steps; waits are seconds, months or years. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {arbitrary: fc.record({kind: fc.constantFrom('open' as const, 'topup' as const), amount: nano('0.02', '4')}), weight: 2},
  {arbitrary: fc.record({kind: fc.constant('sign' as const), inc: fc.oneof(nano('0', '0.004'), nano('0', '2'))}), weight: 3},
  {arbitrary: fc.record({kind: fc.constant('claim' as const), voucher: fc.constantFrom('newest' as const, 'older' as const, 'earlierLife' as const), external: fc.boolean(), withInit: fc.boolean()}), weight: 4},
  fc.record({kind: fc.constant('replay' as const)}),
  fc.record({kind: fc.constantFrom('startClose' as const, 'finish' as const)}),
  fc.record({kind: fc.constant('coop' as const), inc: nano('0', '1')}),
  {arbitrary: fc.record({kind: fc.constant('wait' as const), seconds: fc.oneof(fc.integer({min: 0, max: 2 * CLOSE_DELAY}), fc.integer({min: 20 * DAY, max: 200 * DAY}), fc.integer({min: YEAR, max: 3 * YEAR}))}), weight: 3},
  {arbitrary: fc.record({kind: fc.constant('register' as const), who, stake: nano('1', '3'), rentDays: fc.integer({min: 31, max: 400})}), weight: 2},
  {arbitrary: fc.record({kind: fc.constantFrom('payRent' as const, 'unregister' as const, 'withdraw' as const, 'evict' as const, 'evict' as const), who}), weight: 3},
);

/** What the runs reached, so a caller can check the generator is not idling. */
export interface Coverage {
  runs: number;
  payouts: number;
  reopens: number;
  externalsAccepted: number;
  externalsRefused: number;
  evictions: number;
  longestRunYears: number;
}

interface World {
  blockchain: Blockchain;
  consumer: SandboxContract<TreasuryContract>;
  provider: SandboxContract<TreasuryContract>;
  stranger: SandboxContract<TreasuryContract>;
  wallets: SandboxContract<TreasuryContract>[];
  channel: SandboxContract<Channel>;
  registry: SandboxContract<Registry>;
  keys: {secretKey: Buffer; publicKey: Buffer};
}

async function world(): Promise<World> {
  const blockchain = await Blockchain.create();
  blockchain.now = T0;
  const [consumer, provider, stranger, ...wallets] = await Promise.all(['consumer', 'provider', 'stranger', 'w0', 'w1', 'w2'].map((n) => blockchain.treasury(n)));
  const keys = keyPair();
  const channel = blockchain.openContract(Channel.createFromConfig({consumer: consumer!.address, provider: provider!.address, consumerKey: keys.publicKey, closeDelay: CLOSE_DELAY}));
  const registry = blockchain.openContract(Registry.createFromConfig({owner: stranger!.address, params: {minStake: toNano('1'), unbondingDelay: 600}, model: 'prop'}));
  await registry.sendDeploy(stranger!.getSender(), toNano('0.05'));
  return {blockchain, consumer: consumer!, provider: provider!, stranger: stranger!, wallets, channel, registry, keys};
}

// Whether the channel's and the registry's latest transactions succeeded (see checkInvariants).
const lastChannelTxOk = {value: true};
const lastRegistryTxOk = {value: true};

/** Records whether the registry's transaction in `r` succeeded. */
function registryTx(w: World, r: {transactions: Transaction[]}): void {
  const mine = r.transactions.filter((t) => t.inMessage?.info.dest?.toString() === w.registry.address.toString());
  if (mine.length > 0) lastRegistryTxOk.value = mine.every(succeeded);
}

function succeeded(tx: Transaction): boolean {
  const d = tx.description;
  return d.type === 'generic' && !d.aborted && d.computePhase.type === 'vm' && d.computePhase.success && d.actionPhase?.success === true;
}

/** Runs the property `numRuns` times (each run a fresh snapshot) and returns what it covered. */
export async function checkTimeTravel(numRuns: number, seed?: number): Promise<Coverage> {
  const w = await world();
  const start = w.blockchain.snapshot();
  const cov: Coverage = {runs: 0, payouts: 0, reopens: 0, externalsAccepted: 0, externalsRefused: 0, evictions: 0, longestRunYears: 0};
  await fc.assert(
    fc.asyncProperty(nano('0.05', '5'), fc.array(stepArb, {minLength: 4, maxLength: 18}), async (deposit, steps) => {
      await w.blockchain.loadFrom(start);
      w.blockchain.now = T0;
      lastChannelTxOk.value = true;
      lastRegistryTxOk.value = true;
      // Every run starts open, so even a few runs reach claims and closes.
      await runOnce(w, [{kind: 'open', amount: deposit}, ...steps], cov);
      cov.runs++;
    }),
    {numRuns, ...(seed === undefined ? {} : {seed}), endOnFailure: true},
  );
  return cov;
}

async function runOnce(w: World, steps: Step[], cov: Coverage): Promise<void> {
  const ch = w.channel;
  const txs: Transaction[] = [];
  const keep = (list: Transaction[]) => {
    const mine = list.filter((t) => t.inMessage?.info.dest?.toString() === ch.address.toString());
    if (mine.length > 0) lastChannelTxOk.value = mine.every(succeeded);
    txs.push(...mine);
  };
  const signed = new Map<number, bigint[]>(); // epoch -> cumulative amounts signed, in order
  const received = new Map<number, bigint>(); // epoch -> provider's net receipts from the channel
  let lastExternal: Cell | undefined;
  const state = () => ch.getState();
  const newest = (e: number) => signed.get(e)?.at(-1) ?? 0n;
  const sig = (amount: bigint, epoch: number) => ({amount, signature: signVoucher({channel: ch.address, amount, epoch}, w.keys.secretKey)});
  const credit = (epoch: number, list: Transaction[], spent: bigint) => {
    let net = -spent;
    for (const t of list) {
      const m = t.inMessage;
      if (m?.info.type === 'internal' && m.info.src.equals(ch.address) && m.info.dest.equals(w.provider.address)) net += m.info.value.coins;
    }
    if (net > 0n) cov.payouts++;
    received.set(epoch, (received.get(epoch) ?? 0n) + net);
  };
  const pushExternal = async (body: Cell, withInit: boolean) => {
    lastExternal = body;
    try {
      const r = await w.blockchain.sendMessage(external({to: ch.address, body, init: withInit ? ch.init : undefined}));
      const tx = r.transactions.find((t) => t.inMessage?.info.type === 'external-in')!;
      // No external is accepted and then aborts: that is what made v1 replayable.
      assert.ok(succeeded(tx), 'an accepted external claim aborted');
      cov.externalsAccepted++;
      keep(r.transactions);
      return r.transactions;
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      cov.externalsRefused++;
      return [];
    }
  };
  const internalSend = async (run: () => Promise<{transactions: Transaction[]}>) => {
    const r = await run();
    keep(r.transactions);
    return r.transactions;
  };
  // Registry bookkeeping: node keys per wallet.
  const nodes: (Buffer | undefined)[] = [undefined, undefined, undefined];
  const startNow = w.blockchain.now!;

  for (const step of steps) {
    const st = await state().catch(() => null);
    const epoch = st?.epoch ?? 0;
    switch (step.kind) {
      case 'open':
        await internalSend(() => ch.sendOpen(w.consumer.getSender(), {value: step.amount}));
        if (epoch > 0 && (await state()).epoch > epoch) cov.reopens++;
        break;
      case 'topup':
        await internalSend(() => ch.sendTopUp(w.consumer.getSender(), {value: step.amount}));
        break;
      case 'sign':
        if (epoch > 0) signed.set(epoch, [...(signed.get(epoch) ?? []), newest(epoch) + step.inc]);
        break;
      case 'claim': {
        if (epoch === 0) break;
        const list = signed.get(step.voucher === 'earlierLife' ? epoch - 1 : epoch) ?? [];
        const amount = step.voucher === 'older' ? list[Math.floor(list.length / 2)] : list.at(-1);
        if (amount === undefined) break;
        const v = sig(amount, step.voucher === 'earlierLife' ? epoch - 1 : epoch);
        if (step.external) {
          credit(epoch, await pushExternal(beginCell().storeUint(ChannelOp.ExternalClaim, 32).storeCoins(v.amount).storeBuffer(v.signature).endCell(), step.withInit), 0n);
        } else {
          const value = toNano('0.02');
          // What the provider attached comes back with the payout, or bounced: net it out.
          credit(epoch, await internalSend(() => ch.sendClaim(w.provider.getSender(), {value, ...v})), value);
        }
        break;
      }
      case 'replay':
        if (lastExternal) credit(epoch, await pushExternal(lastExternal, false), 0n);
        break;
      case 'startClose':
        await internalSend(() => ch.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')}));
        break;
      case 'finish':
        await internalSend(() => ch.sendFinishClose(w.consumer.getSender(), {value: toNano('0.02')}));
        break;
      case 'coop': {
        if (epoch === 0) break;
        const amount = newest(epoch) + step.inc;
        signed.set(epoch, [...(signed.get(epoch) ?? []), amount]);
        const signature = signCloseAgreement({channel: ch.address, amount, epoch}, w.keys.secretKey);
        const value = toNano('0.02');
        credit(epoch, await internalSend(() => ch.sendCooperativeClose(w.provider.getSender(), {value, amount, signature})), value);
        break;
      }
      case 'wait':
        w.blockchain.now = w.blockchain.now! + step.seconds;
        break;
      case 'register': {
        if (nodes[step.who]) break;
        const profile = sampleProfile();
        const quote = await w.registry.getRegisterQuote({profile, stake: step.stake, rentSeconds: step.rentDays * DAY});
        registryTx(w, await w.registry.sendRegister(w.wallets[step.who]!.getSender(), {value: quote.value, stake: step.stake, profile}));
        if (await w.registry.getProvider(profile.nodeKey)) nodes[step.who] = profile.nodeKey;
        break;
      }
      case 'payRent':
      case 'unregister':
      case 'withdraw':
      case 'evict': {
        let who = step.who;
        if (step.kind === 'evict') {
          // Evict the first record whose grace is over, if any (else the drawn one, to be refused).
          for (const [i, k] of nodes.entries()) {
            const rec = k ? await w.registry.getProvider(k) : null;
            if (rec && w.blockchain.now! >= rec.paidUntil! + RegistryConst.GRACE_PERIOD) who = i;
          }
        }
        const nodeKey = nodes[who];
        if (!nodeKey) break;
        const via = (step.kind === 'evict' || step.kind === 'payRent' ? w.stranger : w.wallets[who]!).getSender();
        const opts = {value: toNano('0.05'), nodeKey};
        if (step.kind === 'payRent') registryTx(w, await w.registry.sendPayRent(via, {...opts, value: toNano('0.0065')}));
        if (step.kind === 'unregister') registryTx(w, await w.registry.sendUnregister(via, opts));
        if (step.kind === 'withdraw') registryTx(w, await w.registry.sendWithdraw(via, opts));
        if (step.kind === 'evict') registryTx(w, await w.registry.sendEvict(via, opts));
        if (!(await w.registry.getProvider(nodeKey))) {
          nodes[who] = undefined;
          if (step.kind === 'evict') cov.evictions++;
        }
        break;
      }
    }
    await checkInvariants(w, signed, received);
  }
  cov.longestRunYears = Math.max(cov.longestRunYears, (w.blockchain.now! - startNow) / YEAR);
  await windDown(w, txs, signed, received, nodes, keep, credit);
}


async function checkInvariants(w: World, signed: Map<number, bigint[]>, received: Map<number, bigint>): Promise<void> {
  const st = await w.channel.getState().catch(() => null);
  if (st && st.epoch > 0) {
    const top = signed.get(st.epoch)?.at(-1) ?? 0n;
    // The provider never gets more than the newest voucher of the current life ...
    assert.ok(st.paid <= top, `paid ${st.paid} above the newest voucher ${top} of epoch ${st.epoch}`);
    assert.ok((received.get(st.epoch) ?? 0n) <= top, `provider received ${received.get(st.epoch)} in epoch ${st.epoch}, newest voucher ${top}`);
    // ... and what the consumer may still be refunded is on the balance.
    assert.ok(st.paid <= st.deposited);
    // (After a transaction that failed, the rent its storage phase took is not yet
    // booked against `deposited`: the next successful one books it first.)
    if ((st.state === 'open' || st.state === 'closing') && lastChannelTxOk.value) {
      assert.ok((await w.channel.getBalance()) >= st.deposited - st.paid, `channel balance ${await w.channel.getBalance()} below what it owes ${st.deposited - st.paid}`);
    }
  }
  // Registry: after a successful transaction, stakes less the rent each record
  // overran are held (after a failed one, the rent its storage phase took is
  // booked by the next successful one, which refills the pool first).
  const snap = await w.registry.getSnapshot();
  assert.equal(snap.totalStaked, snap.providers.reduce((n, p) => n + p.stake, 0n));
  if (!lastRegistryTxOk.value) return;
  const acct = await w.blockchain.getContract(w.registry.address);
  const at = Number(acct.account.account?.storageStats.lastPaid ?? 0);
  let owed = 0n;
  for (const r of snap.providers) {
    const over = at > r.paidUntil! ? (BigInt(at - r.paidUntil!) * r.rentRate!) / 65536n : 0n;
    owed += r.stake > over ? r.stake - over : 0n;
  }
  assert.ok(acct.balance >= owed, `registry holds ${acct.balance}, owes ${owed}`);
}

async function windDown(
  w: World,
  txs: Transaction[],
  signed: Map<number, bigint[]>,
  received: Map<number, bigint>,
  nodes: (Buffer | undefined)[],
  keep: (l: Transaction[]) => void,
  credit: (epoch: number, l: Transaction[], spent: bigint) => void,
): Promise<void> {
  const ch = w.channel;
  let st = await ch.getState().catch(() => null);
  if (st && (st.state === 'open' || st.state === 'closing')) {
    if (st.state === 'closing' && w.blockchain.now! >= st.unlockAt) {
      // Too late to claim: the close window is over.
    } else {
      // The provider can always collect the newest voucher (up to the deposit) ...
      const top = signed.get(st.epoch)?.at(-1) ?? 0n;
      if (top > st.paid) {
        // Rent accrued since the last transaction is the consumer's: where it may
        // have eaten into the deposit, the claim pays what is left, not the full deposit.
        const slack = (await ch.getBalance()) - (st.deposited - st.paid);
        const value = toNano('0.02');
        const r = await ch.sendClaim(w.provider.getSender(), {value, amount: top, signature: signVoucher({channel: ch.address, amount: top, epoch: st.epoch}, w.keys.secretKey)});
        keep(r.transactions);
        credit(st.epoch, r.transactions, value);
        const after = await ch.getState();
        const owed = top < after.deposited ? top : after.deposited;
        if (slack >= toNano('0.01')) assert.equal(after.paid, owed, 'the provider could not collect what it is owed');
        else assert.ok(after.paid <= owed);
      }
      if (st.state === 'open') keep((await ch.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')})).transactions);
    }
    st = await ch.getState();
    w.blockchain.now = Math.max(w.blockchain.now!, st.unlockAt);
    const owedToConsumer = st.deposited - st.paid;
    const r = await ch.sendFinishClose(w.consumer.getSender(), {value: toNano('0.02')});
    keep(r.transactions);
    // ... and the consumer always gets back at least what it still owns.
    const refund = r.transactions.find((t) => t.inMessage?.info.type === 'internal' && t.inMessage.info.dest.equals(w.consumer.address) && t.inMessage.info.src.equals(ch.address));
    assert.ok(refund && refund.inMessage!.info.type === 'internal' && refund.inMessage!.info.value.coins >= owedToConsumer, 'refund below what the consumer owns');
    assert.equal((await ch.getState()).state, 'closed');
  }
  await checkInvariants(w, signed, received);
  // Value in = value out + fees, over every transaction of the channel.
  let inflow = 0n;
  let outflow = 0n;
  let fees = 0n;
  for (const tx of txs) {
    const info = tx.inMessage!.info;
    if (info.type === 'internal') inflow += info.value.coins;
    fees += tx.totalFees.coins;
    for (const m of tx.outMessages.values()) if (m.info.type === 'internal') outflow += m.info.value.coins + m.info.forwardFee;
  }
  const balance = (await w.blockchain.getContract(ch.address)).balance;
  assert.equal(inflow - outflow - fees, balance, 'value in != value out + fees + balance');
  // Every registry record can still leave with its stake (less its own overrun rent).
  for (const [i, nodeKey] of nodes.entries()) {
    if (!nodeKey) continue;
    const rec = (await w.registry.getProvider(nodeKey))!;
    if (rec.status === 'active') registryTx(w, await w.registry.sendUnregister(w.wallets[i]!.getSender(), {value: toNano('0.05'), nodeKey}));
    const unbonding = (await w.registry.getProvider(nodeKey))!;
    w.blockchain.now = Math.max(w.blockchain.now!, unbonding.unlockAt);
    const r = await w.registry.sendWithdraw(w.wallets[i]!.getSender(), {value: toNano('0.05'), nodeKey});
    registryTx(w, r);
    const paid = r.transactions.some((t) => t.inMessage?.info.type === 'internal' && t.inMessage.info.src.equals(w.registry.address) && t.inMessage.info.dest.equals(w.wallets[i]!.address) && !t.inMessage.info.bounced);
    assert.ok(paid, `withdraw paid nothing: ${r.transactions.map((t) => (t.description.type === 'generic' && t.description.computePhase.type === 'vm' ? `exit ${t.description.computePhase.exitCode}` : t.description.type === 'generic' ? `compute ${t.description.computePhase.type}` : t.description.type)).join(', ')}; record ${JSON.stringify({status: rec.status, unlockAt: rec.unlockAt, paidUntil: rec.paidUntil, now: w.blockchain.now})}; balance ${(await w.blockchain.getContract(w.registry.address)).balance} state ${(await w.blockchain.getContract(w.registry.address)).accountState?.type}`);
    assert.equal(await w.registry.getProvider(nodeKey), null);
  }
  const params = await w.registry.getParams();
  assert.equal(params.count, 0);
  assert.equal(params.totalStaked, 0n);
}
