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
});
