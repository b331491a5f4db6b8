// Relays listed on chain: a registry record of kind 3 ("relay") in the well-known shard name `cocoon/relay`,
// staked and paying rent like any record (docs/p2p.md, "Relays on chain"). Its endpoint is
// `libp2p://<relay peer id>`; the extension's `libp2p` field holds the relay's public multiaddrs without
// their /p2p/ suffix, comma-joined (127 bytes). Reading them is a registry read; nothing new on chain.
import type {Address} from '@ton/core';
import {multiaddr} from '@multiformats/multiaddr';
import type {ProviderProfile, ProviderRecord} from '../chain/contracts/registry-codec.js';
import {isEvictable} from '../chain/contracts/registry-rent.js';
import {CocoonError} from '../errors.js';
import {readRegistry, type DiscoveryOptions} from './discovery.js';

/** The extension's `kind` of a relay record (0 chat, 1 embeddings, 2 reranking reserved). */
export const RELAY_KIND = 3;
/** The model name relay records are filed under (their own shards once the general shard is full). */
export const RELAY_MODEL = 'cocoon/relay';
/** The architecture field of a relay record. */
export const RELAY_ARCHITECTURE = 'relay';

const PEER_ID = /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/;
const MAX_ADDRS_BYTES = 127;

/** A relay as the registry lists it. */
export interface ListedRelay {
  peerId: string;
  /** Dialable multiaddrs, each ending in /p2p/<peer id> (what `provide register --relay` takes). */
  multiaddrs: string[];
  /** The operator's wallet. */
  owner: Address;
  /** nanoGRAM staked. */
  stake: bigint;
  registeredAt: number;
}

/** Check a relay's public multiaddrs (TCP or WebSockets, no circuit) and strip their /p2p/ suffix. */
export function relayAddrs(addrs: string[], peerId: string): string[] {
  if (addrs.length === 0) throw new CocoonError('USAGE', 'No relay address given.', {hint: 'Pass --announce MULTIADDR, the public address the relay listens on (e.g. /ip4/203.0.113.7/tcp/4001).'});
  const out = addrs.map((a) => {
    let ma;
    try {
      ma = multiaddr(a);
    } catch (error) {
      throw new CocoonError('INVALID_INPUT', `"${a}" is not a multiaddr (${(error as Error).message}).`, {hint: 'e.g. /ip4/203.0.113.7/tcp/4001'});
    }
    const names = ma.getComponents().map((c) => c.name);
    if (names.includes('p2p-circuit') || !names.includes('tcp')) throw new CocoonError('INVALID_INPUT', `"${a}" is not a TCP or WebSocket address.`, {hint: 'e.g. /ip4/203.0.113.7/tcp/4001 or /dns4/relay.example.org/tcp/443/wss'});
    const id = ma.getComponents().find((c) => c.name === 'p2p')?.value;
    if (id !== undefined && id !== peerId) throw new CocoonError('INVALID_INPUT', `"${a}" names peer ${id}, not this relay (${peerId}).`);
    return a.replace(/\/p2p\/[^/]+$/, '');
  });
  const unique = [...new Set(out)];
  const bytes = Buffer.byteLength(unique.join(','), 'utf8');
  if (bytes > MAX_ADDRS_BYTES) throw new CocoonError('INVALID_INPUT', `The relay's addresses take ${bytes} bytes; at most ${MAX_ADDRS_BYTES} fit in a record.`, {hint: 'List fewer addresses (two or three fit).'});
  return unique;
}

/** The registry profile of a relay: kind 3, model `cocoon/relay`, no model, no prices. */
export function relayProfile(options: {nodeKey: {ed25519PublicKey: Uint8Array; x25519PublicKey: Uint8Array}; peerId: string; addrs: string[]}): ProviderProfile {
  if (!PEER_ID.test(options.peerId)) throw new CocoonError('INVALID_INPUT', `"${options.peerId}" is not an Ed25519 libp2p peer id.`);
  return {
    nodeKey: Buffer.from(options.nodeKey.ed25519PublicKey),
    encryptionKey: Buffer.from(options.nodeKey.x25519PublicKey),
    endpoint: `libp2p://${options.peerId}`,
    architecture: RELAY_ARCHITECTURE,
    model: RELAY_MODEL,
    modelHash: Buffer.alloc(32),
    contextSize: 0,
    queriesPerDay: 0,
    promptPrice: 0n,
    completionPrice: 0n,
    extension: {kind: RELAY_KIND, libp2p: relayAddrs(options.addrs, options.peerId).join(',')},
  };
}

/** The relay a record lists, or undefined when it is no (well-formed, active, paid-up) relay record. */
export function listedRelay(record: ProviderRecord, now = Math.floor(Date.now() / 1000)): ListedRelay | undefined {
  if (record.extension?.kind !== RELAY_KIND || record.model !== RELAY_MODEL || record.status !== 'active' || isEvictable(record, now)) return undefined;
  const peerId = /^libp2p:\/\/(.+)$/.exec(record.endpoint)?.[1];
  if (!peerId || !PEER_ID.test(peerId)) return undefined;
  let addrs: string[];
  try {
    addrs = relayAddrs((record.extension.libp2p ?? '').split(',').filter((a) => a.length > 0), peerId);
  } catch {
    return undefined;
  }
  return {peerId, multiaddrs: addrs.map((a) => `${a}/p2p/${peerId}`), owner: record.owner, stake: record.stake, registeredAt: record.registeredAt};
}

/** The relays the registry lists, largest stake first (a registry read of the `cocoon/relay` shards). */
export async function listRelays(options: Pick<DiscoveryOptions, 'client' | 'registry' | 'cacheMs' | 'cacheFile'>): Promise<ListedRelay[]> {
  const {records} = await readRegistry({...options, model: RELAY_MODEL});
  const relays = records.map((r) => listedRelay(r)).filter((r): r is ListedRelay => r !== undefined);
  return relays.sort((a, b) => (a.stake === b.stake ? a.registeredAt - b.registeredAt : a.stake > b.stake ? -1 : 1));
}
