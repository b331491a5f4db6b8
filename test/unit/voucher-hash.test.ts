// The voucher (and close agreement) hash computed straight from the bits must
// be the cell's representation hash that the channel contract rebuilds and
// checks: any difference and every voucher signature would be refused on chain.
import {randomBytes} from 'node:crypto';
import {Address} from '@ton/core';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {signedAmountCell, signedAmountHash, VOUCHER_TAG} from '../../src/chain/contracts/voucher.js';
import {ChannelConst} from '../../src/chain/contracts/constants.js';

describe('signedAmountHash', () => {
  it('equals the representation hash of the cell for any channel, network, life and amount', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(VOUCHER_TAG, ChannelConst.CLOSE_TAG),
        fc.constantFrom(0, -1),
        fc.uint8Array({minLength: 32, maxLength: 32}),
        fc.integer({min: -(2 ** 31), max: 2 ** 31 - 1}),
        fc.integer({min: 0, max: 0xffff}),
        fc.oneof(fc.constant(0n), fc.bigInt({min: 1n, max: 255n}), fc.bigInt({min: 0n, max: (1n << 120n) - 1n})),
        (tag, workChain, hash, globalId, epoch, amount) => {
          const v = {channel: new Address(workChain, Buffer.from(hash)), globalId, epoch, amount};
          expect(signedAmountHash(tag, v).equals(signedAmountCell(tag, v).hash())).toBe(true);
        },
      ),
      {numRuns: 500},
    );
  });

  it('uses the defaults the cell uses (life 1, mainnet id), and refuses an amount Coins cannot hold', () => {
    const channel = new Address(0, randomBytes(32));
    expect(signedAmountHash(VOUCHER_TAG, {channel, amount: 5n}).equals(signedAmountCell(VOUCHER_TAG, {channel, amount: 5n}).hash())).toBe(true);
    expect(() => signedAmountHash(VOUCHER_TAG, {channel, amount: 1n << 120n})).toThrow(RangeError);
    expect(() => signedAmountHash(VOUCHER_TAG, {channel, amount: -1n})).toThrow(RangeError);
  });
});
