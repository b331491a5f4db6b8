import type {Address} from '@ton/core';
import {verifyVoucher} from '../chain/contracts/voucher.js';
import type {ChannelTerms} from './channel-guard.js';

/**
 * verifyVoucher with a memory of the newest voucher verified per channel: a
 * consumer sends its newest voucher with every query (docs/protocol.md §4), so
 * under many answers in flight the same voucher arrives many times, and a
 * verification (cell hash + Ed25519, ~0.3 ms here) is the largest single cost of
 * a query. Only a byte-identical voucher under the same terms is taken as verified.
 */
export class VoucherCheck {
  private readonly verified = new Map<string, string>();

  constructor(private readonly maxChannels = 100_000) {}

  /** True if `signature` is the channel consumer's signature of a voucher for `amount`. */
  verify(channel: Address, amount: bigint, signature: Uint8Array, terms: ChannelTerms): boolean {
    const key = channel.toRawString();
    const id = `${terms.epoch ?? 1}:${terms.globalId ?? ''}:${amount}:${Buffer.from(signature).toString('hex')}:${Buffer.from(terms.consumerKey).toString('hex')}`;
    if (this.verified.get(key) === id) return true;
    if (!verifyVoucher({channel, amount, epoch: terms.epoch, globalId: terms.globalId}, signature, terms.consumerKey)) return false;
    this.verified.delete(key); // re-insert: Map order doubles as least-recently-used order
    this.verified.set(key, id);
    if (this.verified.size > this.maxChannels) this.verified.delete(this.verified.keys().next().value!);
    return true;
  }
}
