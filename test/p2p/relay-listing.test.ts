import {Address} from '@ton/core';
import {describe, expect, it} from 'vitest';
import type {ProviderRecord} from '../../src/chain/contracts/registry-codec.js';
import {loadExtension, storeExtension} from '../../src/chain/contracts/registry-extension.js';
import {listedRelay, relayAddrs, relayProfile, RELAY_KIND, RELAY_MODEL} from '../../src/consumer/relay-listing.js';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {derivePeerId} from '../../src/p2p/peer-key.js';

const now = Math.floor(Date.now() / 1000);

async function record(overrides: Partial<ProviderRecord> = {}, addrs = ['/ip4/203.0.113.7/tcp/4001', '/ip4/203.0.113.7/tcp/4002/ws']): Promise<ProviderRecord> {
  const key = await generateNodeKey();
  const peerId = (await derivePeerId(key.ed25519Seed)).toString();
  const profile = relayProfile({nodeKey: key, peerId, addrs});
  // Through the extension's real cell layout, as a registry read would give it.
  const extension = loadExtension(storeExtension(profile.extension)!.beginParse());
  return {...profile, extension, owner: new Address(0, Buffer.alloc(32, 1)), status: 'active', stake: 10n ** 9n, registeredAt: now, updatedAt: now, unlockAt: 0, paidUntil: now + 86_400, ...overrides};
}

describe('relay records', () => {
  it('a relay profile is kind 3 under cocoon/relay, its addresses without ids; listing gives them back with the id', async () => {
    const r = await record();
    expect(r.extension).toMatchObject({kind: RELAY_KIND, libp2p: '/ip4/203.0.113.7/tcp/4001,/ip4/203.0.113.7/tcp/4002/ws'});
    expect(r.model).toBe(RELAY_MODEL);
    const peerId = r.endpoint.slice('libp2p://'.length);
    expect(listedRelay(r)).toMatchObject({peerId, multiaddrs: [`/ip4/203.0.113.7/tcp/4001/p2p/${peerId}`, `/ip4/203.0.113.7/tcp/4002/ws/p2p/${peerId}`]});
  });

  it('is not a relay: another kind, another model, inactive, evictable, a non-libp2p endpoint, a bad address', async () => {
    const base = await record();
    expect(listedRelay({...base, extension: {...base.extension, kind: 0}})).toBeUndefined();
    expect(listedRelay({...base, model: 'stories'})).toBeUndefined();
    expect(listedRelay({...base, status: 'unbonding' as ProviderRecord['status']})).toBeUndefined();
    expect(listedRelay({...base, paidUntil: now - 400 * 86_400})).toBeUndefined();
    expect(listedRelay({...base, endpoint: 'http://203.0.113.7:8740'})).toBeUndefined();
    expect(listedRelay({...base, extension: {...base.extension, libp2p: '/ip4/203.0.113.7/udp/4001'}})).toBeUndefined();
  });

  it('refuses addresses that are no relay address or do not fit the record', async () => {
    const peerId = (await derivePeerId(Buffer.alloc(32, 3))).toString();
    const other = (await derivePeerId(Buffer.alloc(32, 4))).toString();
    expect(() => relayAddrs([], peerId)).toThrow(/No relay address/);
    expect(() => relayAddrs(['not an address'], peerId)).toThrow(/not a multiaddr/);
    expect(() => relayAddrs(['/ip4/1.2.3.4/tcp/1/p2p-circuit'], peerId)).toThrow(/not a TCP/);
    expect(() => relayAddrs([`/ip4/1.2.3.4/tcp/1/p2p/${other}`], peerId)).toThrow(/names peer/);
    expect(relayAddrs([`/ip4/1.2.3.4/tcp/1/p2p/${peerId}`, '/ip4/1.2.3.4/tcp/1'], peerId)).toEqual(['/ip4/1.2.3.4/tcp/1']);
    expect(() => relayAddrs(Array.from({length: 6}, (_, i) => `/dns4/relay-${i}.example.org/tcp/443/wss`), peerId)).toThrow(/at most 127/);
  });
});
