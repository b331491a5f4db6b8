// Property: whatever deposits, top-ups, vouchers, claims and closes happen, the
// channel neither creates nor loses TON, the provider never nets more than the
// highest voucher, and the consumer always gets back its deposits minus what
// was claimed.
import {toNano, type Transaction} from '@ton/core';
import type {Blockchain, SendMessageResult} from '@ton/sandbox';
import {findTransaction} from '@ton/test-utils';
import fc from 'fast-check';
import {beforeAll, describe, expect, it} from 'vitest';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {signCloseAgreement} from '../../src/chain/contracts/channel-codec.js';
import {ChannelOp} from '../../src/chain/contracts/constants.js';
import {channelWorld, T0, type ChannelWorld} from './fixtures.js';

type Op =
  | {kind: 'topup'; amount: bigint}
  | {kind: 'sign'; inc: bigint}
  | {kind: 'claim'; older: boolean; external: boolean}
  | {kind: 'startClose'}
  | {kind: 'wait'; seconds: number}
  | {kind: 'finish'}
  | {kind: 'coop'; inc: bigint}
  | {kind: 'reopen'; amount: bigint};

const nano = (min: string, max: string) => fc.bigInt({min: toNano(min), max: toNano(max)});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({kind: fc.constant('topup' as const), amount: nano('0.05', '3')}),
  {arbitrary: fc.record({kind: fc.constant('sign' as const), inc: nano('0', '2')}), weight: 3},
  {arbitrary: fc.record({kind: fc.constant('claim' as const), older: fc.boolean(), external: fc.boolean()}), weight: 3},
  fc.record({kind: fc.constant('startClose' as const)}),
  fc.record({kind: fc.constant('wait' as const), seconds: fc.integer({min: 0, max: 5000})}),
  fc.record({kind: fc.constant('finish' as const)}),
  fc.record({kind: fc.constant('coop' as const), inc: nano('0', '1')}),
  fc.record({kind: fc.constant('reopen' as const), amount: nano('0.05', '5')}),
);

describe('payment channel property', () => {
  let w: ChannelWorld;
  let snapshot: ReturnType<Blockchain['snapshot']>;

  beforeAll(async () => {
    w = await channelWorld(3600);
    snapshot = w.blockchain.snapshot();
  });

  it('conserves TON, caps the provider at the highest voucher, refunds deposits minus claims', async () => {
    let runsWithPayouts = 0;
    let runsWithReopen = 0;
    await fc.assert(
      fc.asyncProperty(nano('0.1', '10'), fc.array(opArb, {minLength: 1, maxLength: 14}), async (deposit, ops) => {
        await w.blockchain.loadFrom(snapshot);
        w.blockchain.now = T0;
        const txs: Transaction[] = [];
        const keep = (r: SendMessageResult) => txs.push(...r.transactions.filter((t) => t.inMessage?.info.dest?.toString() === w.channel.address.toString()));
        const signed: bigint[] = [0n];
        let credited = 0n; // what the contract credited as deposits over the whole history
        const track = async (run: () => Promise<SendMessageResult>) => {
          const before = await w.channel.getState().catch(() => null);
          const r = await run();
          keep(r);
          const after = await w.channel.getState();
          if (before && after.deposited > before.deposited && after.state === before.state) credited += after.deposited - before.deposited;
          if ((!before || before.state !== 'open') && after.state === 'open') credited += after.deposited - (before?.deposited ?? 0n);
          return r;
        };
        const refunds: bigint[] = [];
        const unclaimedAt: bigint[] = [];
        const closeWith = async (run: () => Promise<SendMessageResult>) => {
          const st = await w.channel.getState();
          const r = await track(run);
          const refund = findTransaction(r.transactions, {from: w.channel.address, to: w.consumer.address, op: ChannelOp.ChannelRefund});
          if (refund && refund.inMessage!.info.type === 'internal') {
            refunds.push(refund.inMessage!.info.value.coins);
            const now = await w.channel.getState();
            unclaimedAt.push(st.deposited - now.paid);
          }
        };

        await track(() => w.channel.sendOpen(w.consumer.getSender(), {value: deposit}));
        for (const op of ops) {
          const amountFor = (i: number) => ({amount: signed[i]!, signature: signVoucher({channel: w.channel.address, amount: signed[i]!}, w.keys.secretKey)});
          switch (op.kind) {
            case 'topup':
              await track(() => w.channel.sendTopUp(w.consumer.getSender(), {value: op.amount}));
              break;
            case 'sign':
              signed.push(signed[signed.length - 1]! + op.inc);
              break;
            case 'claim': {
              const i = op.older ? Math.floor(signed.length / 2) : signed.length - 1;
              if (op.external) {
                try {
                  keep(await w.channel.sendExternalClaim(amountFor(i)));
                } catch {
                  // refused before ACCEPT: nothing happened on chain
                }
              } else {
                await track(() => w.channel.sendClaim(w.provider.getSender(), {value: toNano('0.02'), ...amountFor(i)}));
              }
              break;
            }
            case 'startClose':
              await track(() => w.channel.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')}));
              break;
            case 'wait':
              w.blockchain.now = w.blockchain.now! + op.seconds;
              break;
            case 'finish':
              await closeWith(() => w.channel.sendFinishClose(w.consumer.getSender(), {value: toNano('0.02')}));
              break;
            case 'coop': {
              const amount = signed[signed.length - 1]! + op.inc;
              signed.push(amount);
              const signature = signCloseAgreement({channel: w.channel.address, amount}, w.keys.secretKey);
              await closeWith(() => w.channel.sendCooperativeClose(w.provider.getSender(), {value: toNano('0.02'), amount, signature}));
              break;
            }
            case 'reopen':
              await track(() => w.channel.sendOpen(w.consumer.getSender(), {value: op.amount}));
              break;
          }
          const st = await w.channel.getState();
          // The provider is never owed more than the consumer signed, nor more than was deposited.
          expect(st.paid).toBeLessThanOrEqual(signed[signed.length - 1]!);
          expect(st.paid).toBeLessThanOrEqual(st.deposited);
        }
        // Wind down so every nanoTON has a final owner.
        let st = await w.channel.getState();
        if (st.state === 'open') await track(() => w.channel.sendStartClose(w.consumer.getSender(), {value: toNano('0.02')}));
        st = await w.channel.getState();
        if (st.state === 'closing') {
          w.blockchain.now = Math.max(w.blockchain.now!, st.unlockAt);
          await closeWith(() => w.channel.sendFinishClose(w.consumer.getSender(), {value: toNano('0.02')}));
        }
        st = await w.channel.getState();
        expect(st.state).toBe('closed');
        const balance = await w.channel.getBalance();
        expect(balance).toBe(0n);

        // 1. Nothing created or lost: every nanoTON that came in left as a message value, a forward fee or a transaction fee.
        let inflow = 0n;
        let outflow = 0n;
        let fees = 0n;
        let providerIn = 0n;
        let providerOut = 0n;
        for (const tx of txs) {
          const inInfo = tx.inMessage!.info;
          if (inInfo.type === 'internal') {
            inflow += inInfo.value.coins;
            if (inInfo.src.equals(w.provider.address)) providerOut += inInfo.value.coins;
          }
          fees += tx.totalFees.coins;
          for (const m of tx.outMessages.values()) {
            if (m.info.type !== 'internal') continue;
            outflow += m.info.value.coins + m.info.forwardFee;
            if (m.info.dest.equals(w.provider.address)) providerIn += m.info.value.coins;
          }
        }
        expect(inflow - outflow - fees).toBe(balance);
        // 2. The provider never nets more than the highest voucher.
        expect(providerIn - providerOut).toBeLessThanOrEqual(signed[signed.length - 1]!);
        expect(providerIn - providerOut).toBeLessThanOrEqual(st.paid);
        // 3. The consumer gets back its deposits minus what was claimed: at each close at
        // least the unclaimed deposit, and over the whole history deposits − claimed.
        refunds.forEach((r, i) => expect(r).toBeGreaterThanOrEqual(unclaimedAt[i]!));
        expect(refunds.reduce((a, b) => a + b, 0n)).toBeGreaterThanOrEqual(credited - st.paid);
        if (st.paid > 0n) runsWithPayouts++;
        if (refunds.length > 1) runsWithReopen++;
      }),
      {numRuns: 40},
    );
    // The generator must reach the interesting paths, not just failed messages.
    expect(runsWithPayouts).toBeGreaterThan(5);
    expect(runsWithReopen).toBeGreaterThan(0);
  });
});
