// The consumer's channel store keeps one channel per provider node.
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ChannelStore, type ChannelRecord} from '../../src/consumer/channel-store.js';
import {tempHome} from '../helpers/home.js';

const PROVIDER = '0:' + 'aa'.repeat(32);
const NODE_A = '1a'.repeat(32);
const NODE_B = '2b'.repeat(32);
const record = (channel: string, node?: string): ChannelRecord => ({
  version: 1, network: 'devnet', channel: '0:' + channel.repeat(64), provider: PROVIDER, consumer: '0:' + 'cc'.repeat(32), wallet: 'me',
  voucherKey: '00'.repeat(32), closeDelay: 3600, paid: '0', createdAt: new Date(0).toISOString(), ...(node ? {node} : {}),
});

describe('ChannelStore', () => {
  it('gives each node of a provider its own channel, and lets the first node claim one opened without a node', async () => {
    const store = new ChannelStore('devnet', path.join(tempHome(), 'channels'));
    await store.put(record('1'));
    // Unbound: any node may use it, until one claims it.
    expect(store.get(PROVIDER, NODE_A)?.channel).toBe(record('1').channel);
    await store.put({...record('1'), node: NODE_A});
    expect(store.get(PROVIDER, NODE_A)?.node).toBe(NODE_A);
    expect(store.get(PROVIDER, NODE_B)).toBeUndefined();
    await store.put(record('2', NODE_B));
    expect(store.get(PROVIDER, NODE_B)?.channel).toBe(record('2').channel);
    expect(store.list().map((r) => r.node).sort()).toEqual([NODE_A, NODE_B].sort());
    // A pending open is not offered, but find() still sees it.
    await store.put({...record('3', NODE_B), pending: {op: 'open', amount: '1', at: new Date(0).toISOString()}});
    expect(store.get(PROVIDER, NODE_B)).toBeUndefined();
    expect(store.find(PROVIDER, NODE_B)?.channel).toBe(record('3').channel);
  });

  it('applies updates that arrive together in order, each durable before it resolves, none lost (group commit)', async () => {
    const dir = path.join(tempHome(), 'channels');
    const store = new ChannelStore('devnet', dir);
    await store.put(record('4', NODE_A));
    await store.put(record('5', NODE_B));
    const add = (node: string, cost: number, id: string) =>
      store.update(PROVIDER, node, (r) => ({...r, paid: (BigInt(r.paid) + BigInt(cost)).toString(), receipts: [...(r.receipts ?? []), id]}));
    const ids = Array.from({length: 24}, (_, i) => i.toString(16).padStart(32, '0'));
    // 24 answers paid at once on two nodes' channels, one of them refused by its change: the rest land exactly.
    const results = await Promise.allSettled(
      ids.map((id, i) =>
        i === 7
          ? store.update(PROVIDER, NODE_A, () => {
              throw new Error('refused');
            })
          : add(i % 3 === 0 ? NODE_B : NODE_A, i + 1, id),
      ),
    );
    expect(results[7]!.status).toBe('rejected');
    const paidA = ids.reduce((sum, _, i) => (i !== 7 && i % 3 !== 0 ? sum + i + 1 : sum), 0);
    const paidB = ids.reduce((sum, _, i) => (i % 3 === 0 ? sum + i + 1 : sum), 0);
    // Each resolved with the total its own change left, in arrival order per channel.
    let runningA = 0;
    results.forEach((r, i) => {
      if (i === 7 || i % 3 === 0) return;
      runningA += i + 1;
      expect(r.status === 'fulfilled' && r.value.paid).toBe(String(runningA));
    });
    // On disk (a fresh store reads the files): every payment, every receipt, in order.
    const fresh = new ChannelStore('devnet', dir);
    expect(fresh.get(PROVIDER, NODE_A)?.paid).toBe(String(paidA));
    expect(fresh.get(PROVIDER, NODE_B)?.paid).toBe(String(paidB));
    expect(fresh.get(PROVIDER, NODE_A)?.receipts).toEqual(ids.filter((_, i) => i !== 7 && i % 3 !== 0));
    // An update of a channel that is not there is refused alone.
    await expect(store.update(PROVIDER, '3c'.repeat(32), (r) => r)).rejects.toMatchObject({code: 'NOT_FOUND'});
  });
});
