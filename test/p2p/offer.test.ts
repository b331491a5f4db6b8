import {randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {beginCell} from '@ton/core';
import {loadExtension, storeExtension} from '../../src/chain/contracts/registry-extension.js';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {p2pPeerOf} from '../../src/consumer/p2p-transport.js';
import {derivePeerId} from '../../src/p2p/peer-key.js';
import {p2pProfile} from '../../src/provider/p2p-offer.js';
import {buildProfile} from '../../src/provider/registration.js';

const relayId = '12D3KooWM7boqt9JA4uo2uDunhNBaQHwCb3WtMgLLgz8CiewZfft';
const relay = (i: number) => `/ip4/203.0.113.${i}/tcp/4001/p2p/${relayId}`;
const offer = {model: 'm', architecture: 'llama', modelSha256: '00'.repeat(32), contextSize: 512, queriesPerDay: 10, promptPrice: 1n, completionPrice: 2n};

describe('the libp2p identity and record of a node behind NAT', () => {
  it('derives one stable peer id per node key, never the node key itself', async () => {
    const key = await generateNodeKey();
    const a = await derivePeerId(key.ed25519Seed);
    expect((await derivePeerId(key.ed25519Seed)).toString()).toBe(a.toString());
    expect((await derivePeerId(randomBytes(32))).toString()).not.toBe(a.toString());
    // The libp2p key is a different Ed25519 key from the one that signs receipts.
    expect(Buffer.from(a.publicKey!.raw).equals(Buffer.from(key.ed25519PublicKey))).toBe(false);
  });

  it('publishes libp2p://<peer id> and the relays, with their ids while they fit, without them once not', async () => {
    const key = await generateNodeKey();
    const peer = (await derivePeerId(key.ed25519Seed)).toString();
    const one = await p2pProfile({nodeSeed: key.ed25519Seed, relays: [relay(1)]});
    expect(one).toEqual({endpoint: `libp2p://${peer}`, extension: {libp2p: `/p2p/${peer}`, relays: [relay(1)]}});
    const three = await p2pProfile({nodeSeed: key.ed25519Seed, relays: [relay(1), relay(2), relay(3)]});
    expect(three.extension.relays).toEqual(['/ip4/203.0.113.1/tcp/4001', '/ip4/203.0.113.2/tcp/4001', '/ip4/203.0.113.3/tcp/4001']);
    // What is published goes through the registry's extension cell and back, and a consumer reads the peer from it.
    const profile = buildProfile({...offer, ...three}, key);
    const back = loadExtension(beginCell().storeSlice(storeExtension(profile.extension)!.beginParse()).endCell().beginParse());
    expect(back).toEqual(three.extension);
    expect(p2pPeerOf({endpoint: profile.endpoint, extension: back})).toEqual({peerId: peer, relays: three.extension.relays, direct: []});
    expect(p2pPeerOf({endpoint: 'http://127.0.0.1:8740', extension: back})).toBeUndefined();
  });

  it('refuses what cannot be published, before anything is sent', async () => {
    const seed = randomBytes(32);
    await expect(p2pProfile({nodeSeed: seed, relays: []})).rejects.toThrow(/No relay given/);
    await expect(p2pProfile({nodeSeed: seed, relays: ['not an address']})).rejects.toThrow(/is not a relay multiaddr/);
    await expect(p2pProfile({nodeSeed: seed, relays: [`${relay(1)}/p2p-circuit`]})).rejects.toThrow(/is not a relay multiaddr/);
    await expect(p2pProfile({nodeSeed: seed, relays: [1, 2, 3, 4, 5, 6].map(relay)})).rejects.toThrow(/at most 127 fit/);
    const key = await generateNodeKey();
    expect(() => buildProfile({...offer, endpoint: 'libp2p://not-a-peer'}, key)).toThrow(/is not an http\(s\) URL/);
  });
});
