// The settler's numbers match the contract: the predicted payout of an external
// claim is what lands, and the refusal threshold is where the channel refuses.
import {toNano} from '@ton/core';
import {describe, expect, it} from 'vitest';
import {claimMovedPaid, externalClaimSplit} from '../../src/chain/contracts/claim-fees.js';
import {parseGasPrices, parseMsgPrices} from '../../src/chain/contracts/fees.js';
import {signVoucher} from '../../src/chain/contracts/voucher.js';
import {channelWorld} from './fixtures.js';

describe('claim fees', () => {
  it('predicts the external claim payout and the refusal threshold from the config', async () => {
    const w = await channelWorld();
    await w.channel.sendOpen(w.consumer.getSender(), {value: toNano('5')});
    const gas = parseGasPrices(w.blockchain.config);
    const msg = parseMsgPrices(w.blockchain.config);
    const v = (amount: bigint) => ({amount, signature: signVoucher({channel: w.channel.address, amount}, w.keys.secretKey)});
    const before = await w.channel.getState();
    const split = externalClaimSplit(toNano('1'), before.paid, gas, msg);
    const r = await w.channel.sendExternalClaim(v(toNano('1')));
    const payout = r.transactions.find((t) => t.inMessage?.info.type === 'internal' && t.inMessage.info.dest.equals(w.provider.address))!;
    expect(payout.inMessage!.info.type === 'internal' && payout.inMessage!.info.value.coins).toBe(split.received);
    expect(claimMovedPaid(before, await w.channel.getState())).toBe(true);
    // Just below and just above the threshold.
    const at = (await w.channel.getState()).paid;
    const min = split.threshold;
    expect(externalClaimSplit(at + min, at, gas, msg).accepted).toBe(false);
    await expect(w.channel.sendExternalClaim(v(at + min))).rejects.toBeDefined();
    expect(externalClaimSplit(at + min + 1n, at, gas, msg).accepted).toBe(true);
    await w.channel.sendExternalClaim(v(at + min + 1n));
    expect((await w.channel.getState()).paid).toBe(at + min + 1n);
  });
});
