// Pure consumer rules: provider ranking and filtering, the worst-case cost, and
// the one failover rule over typed provider errors.
import {Address} from '@ton/core';
import {describe, expect, it} from 'vitest';
import type {ProviderRecord} from '../../src/chain/contracts/registry-codec.js';
import {queryWorstCase} from '../../src/consumer/ask.js';
import {UNAUDITED} from '../../src/consumer/audit-standing.js';
import {matchesFilter, rankProviders, type DiscoveredProvider} from '../../src/consumer/discovery.js';
import {withFailover} from '../../src/consumer/failover.js';
import {CocoonError} from '../../src/errors.js';
import {ProviderError, wireError} from '../../src/protocol/errors.js';
import {estimatePromptTokens, worstCaseCost} from '../../src/protocol/pricing.js';
import type {ProviderInfo} from '../../src/protocol/wire.js';

const addr = (n: number) => new Address(0, Buffer.alloc(32, n));
function provider(n: number, o: {prompt?: bigint; completion?: bigint; stake?: bigint; live?: boolean; load?: number; latency?: number; model?: string; status?: 'active' | 'unbonding'} = {}): DiscoveredProvider {
  const record = {
    owner: addr(n), status: o.status ?? 'active', model: o.model ?? 'm', architecture: 'llama', promptPrice: o.prompt ?? 1n, completionPrice: o.completion ?? 10n, stake: o.stake ?? 1n,
  } as ProviderRecord;
  const info = {load: {active: o.load ?? 0, queued: 0, parallel: 1}} as unknown as ProviderInfo;
  return o.live === false ? {record, down: 'timed out', audit: UNAUDITED} : {record, live: {info, latencyMs: o.latency ?? 10}, audit: UNAUDITED};
}
const owners = (ps: DiscoveredProvider[]) => ps.map((p) => p.record.owner.hash[0]);

describe('rankProviders and matchesFilter', () => {
  it('puts live before down, then the cheapest typical answer, then load, latency, and the larger stake', () => {
    const ranked = rankProviders([
      provider(1, {live: false, completion: 1n}),
      provider(2, {completion: 20n}),
      provider(3, {completion: 10n, load: 1}),
      provider(4, {completion: 10n, latency: 50}),
      provider(5, {completion: 10n, latency: 5, stake: 1n}),
      provider(6, {completion: 10n, latency: 5, stake: 9n}),
    ]);
    expect(owners(ranked)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('matches model and architecture case-insensitively, prices as ceilings, and only active records', () => {
    const p = provider(1, {model: 'Qwen2.5-7B', prompt: 5n, completion: 50n}).record;
    expect(matchesFilter(p, {model: 'qwen2.5-7b', architecture: 'LLAMA'})).toBe(true);
    expect(matchesFilter(p, {maxCompletionPrice: 50n, maxPromptPrice: 5n})).toBe(true);
    expect(matchesFilter(p, {maxCompletionPrice: 49n})).toBe(false);
    expect(matchesFilter(p, {maxPromptPrice: 4n})).toBe(false);
    expect(matchesFilter(p, {provider: addr(2)})).toBe(false);
    expect(matchesFilter(provider(1, {status: 'unbonding'}).record, {})).toBe(false);
  });
});

describe('worst-case cost', () => {
  it('counts every prompt byte as a token plus the template allowance, and every allowed completion token', () => {
    expect(estimatePromptTokens({prompt: 'héllo'})).toBe(6 + 64);
    expect(estimatePromptTokens({messages: [{role: 'user', content: 'hi'}]})).toBe('user: hi\n'.length + 64);
    expect(worstCaseCost(10, 5, {prompt: 3n, completion: 7n})).toBe(10n * 3n + 5n * 7n);
    const record = provider(1, {prompt: 2n, completion: 100n}).record;
    expect(queryWorstCase(record, {prompt: 'abc', maxTokens: 4})).toBe(BigInt(3 + 64) * 2n + 4n * 100n);
    // No more completion tokens than the model's context can hold are priced, however many are asked for.
    const small = {...record, contextSize: 512} as ProviderRecord;
    expect(queryWorstCase(small, {prompt: 'abc', maxTokens: 20_000})).toBe(BigInt(3 + 64) * 2n + 512n * 100n);
    expect(queryWorstCase(small, {prompt: 'abc', maxTokens: 100})).toBe(BigInt(3 + 64) * 2n + 100n * 100n);
  });
});

describe('ProviderError', () => {
  it('carries the wire code, phase, wait and outstanding receipts as fields, and in details for --json', () => {
    const e = wireError('RATE_LIMITED', 'slow down', {retryAfterMs: 1200});
    expect(ProviderError.isInstance(e)).toBe(true);
    expect(e).toMatchObject({code: 'BUSY', wireCode: 'RATE_LIMITED', phase: 'before-text', retryAfterMs: 1200, transient: true, retryable: true});
    expect(e.details).toMatchObject({wireCode: 'RATE_LIMITED', retryAfterMs: 1200, phase: 'before-text'});
    // A full credit window passes in a moment on the same provider; it lists the receipts held as unpaid (details: their count).
    const full = wireError('CREDIT_LIMIT', 'window full', {outstanding: [{receipt: 'aa', signature: 'bb'}, {receipt: 'cc', signature: 'dd'}]});
    expect(full).toMatchObject({code: 'BUSY', retryable: true, transient: true, retryAfterMs: 500, outstanding: [{receipt: 'aa', signature: 'bb'}, {receipt: 'cc', signature: 'dd'}]});
    expect(full.details).toMatchObject({wireCode: 'CREDIT_LIMIT', outstanding: 2});
    expect(full.at('streaming').outstanding).toEqual(full.outstanding);
    const thin = wireError('INSUFFICIENT_DEPOSIT', 'top up');
    expect(thin).toMatchObject({code: 'PAYMENT_REQUIRED', retryable: false, transient: false, retryAfterMs: undefined, outstanding: undefined});
    const later = e.at('streaming');
    expect(later).toMatchObject({phase: 'streaming', wireCode: 'RATE_LIMITED', retryAfterMs: 1200});
    expect(ProviderError.isInstance(new CocoonError('BUSY', 'plain'))).toBe(false);
  });
});

describe('withFailover', () => {
  const candidates = [provider(1), provider(2), provider(3)];
  const noWait = async () => {};

  it('retries a transient refusal on the same provider after its wait, then moves on to the next', async () => {
    const tried: number[] = [];
    const waits: number[] = [];
    const result = await withFailover({
      candidates,
      sleep: async (ms) => void waits.push(ms),
      attempt: async (c) => {
        tried.push(c.record.owner.hash[0]!);
        if (c.record.owner.hash[0] === 1) throw wireError('RATE_LIMITED', 'slow', {retryAfterMs: 700});
        return 'ok';
      },
    });
    expect(result).toBe('ok');
    expect(tried).toEqual([1, 1, 1, 2]);
    expect(waits).toEqual([700, 700]);
  });

  it('fails over on a retryable error before text, never after text reached the user, never on a non-provider error', async () => {
    const fallbacks: number[] = [];
    const unavailable = new ProviderError('PROVIDER_UNAVAILABLE', 'down');
    expect(await withFailover({candidates, sleep: noWait, onFallback: (c) => fallbacks.push(c.record.owner.hash[0]!), attempt: async (c) => {
      if (c.record.owner.hash[0]! < 3) throw unavailable;
      return 3;
    }})).toBe(3);
    expect(fallbacks).toEqual([1, 2]);
    let delivered = false;
    await expect(withFailover({candidates, sleep: noWait, delivered: () => delivered, attempt: async () => {
      delivered = true;
      throw unavailable.at('streaming');
    }})).rejects.toMatchObject({phase: 'streaming'});
    await expect(withFailover({candidates, sleep: noWait, attempt: async () => {
      throw new CocoonError('CHAIN_UNAVAILABLE', 'no chain');
    }})).rejects.toMatchObject({code: 'CHAIN_UNAVAILABLE'});
    await expect(withFailover({candidates, sleep: noWait, attempt: async () => {
      throw wireError('INSUFFICIENT_DEPOSIT', 'low');
    }})).rejects.toMatchObject({wireCode: 'INSUFFICIENT_DEPOSIT'});
    // Every provider down: the last error, not a generic one.
    await expect(withFailover({candidates, sleep: noWait, attempt: async () => {
      throw unavailable;
    }})).rejects.toBe(unavailable);
  });
});

describe('amounts', () => {
  it('take GRAM or TON (the old name) as an optional unit, and nothing else', async () => {
    const {parseTon} = await import('../../src/chain/units.js');
    expect(parseTon('1.5')).toBe(1_500_000_000n);
    expect(parseTon('1.5 GRAM')).toBe(1_500_000_000n);
    expect(parseTon('2ton')).toBe(2_000_000_000n);
    expect(parseTon('0.000000001 Gram')).toBe(1n);
    expect(() => parseTon('1 USDT')).toThrow(/not an amount of GRAM/);
  });
});
