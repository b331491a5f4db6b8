import {multiaddr} from '@multiformats/multiaddr';
import {CocoonError} from '../errors.js';
import type {ProviderExtension} from '../chain/contracts/registry-extension.js';
import {derivePeerId} from '../p2p/peer-key.js';

// The registry extension's relays ref holds 127 bytes: a relay address with its peer id takes ~80, without ~25.
const RELAYS_BYTES = 127;


/**
 * The registry fields of a node reached through relays: endpoint
 * `libp2p://<peer id>` (the id derived from its node key), extension `libp2p`
 * `/p2p/<peer id>` and the relays. Relays keep their peer ids when all fit in
 * the record; otherwise they are published without them (consumers and the
 * node learn a relay's id from its handshake; the end-to-end Noise session is
 * bound to the provider's id either way).
 */
export async function p2pProfile(options: {nodeSeed: Uint8Array; relays: string[]}): Promise<{endpoint: string; extension: ProviderExtension}> {
  if (options.relays.length === 0) throw new CocoonError('USAGE', 'No relay given.', {hint: 'Pass --relay MULTIADDR (what `cocoon relay start` prints), several for redundancy.'});
  for (const r of options.relays) {
    try {
      const ma = multiaddr(r);
      if (r.includes('/p2p-circuit') || !ma.getComponents().some((c) => c.name === 'tcp')) throw new Error('not a TCP or WebSocket relay address');
    } catch (error) {
      throw new CocoonError('INVALID_INPUT', `"${r}" is not a relay multiaddr (${(error as Error).message}).`, {hint: 'Pass what `cocoon relay start` prints, e.g. /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW….'});
    }
  }
  const peerId = (await derivePeerId(options.nodeSeed)).toString();
  const full = [...new Set(options.relays)];
  const bytes = (list: string[]) => Buffer.byteLength(list.join(','), 'utf8');
  let relays = full;
  if (bytes(relays) > RELAYS_BYTES) relays = [...new Set(full.map((r) => r.replace(/\/p2p\/[^/]+$/, '')))];
  if (bytes(relays) > RELAYS_BYTES) {
    throw new CocoonError('INVALID_INPUT', `The relays take ${bytes(relays)} bytes without their ids; at most ${RELAYS_BYTES} fit in a record.`, {hint: 'Name fewer relays (three or four IPv4 ones fit).'});
  }
  return {endpoint: `libp2p://${peerId}`, extension: {libp2p: `/p2p/${peerId}`, relays}};
}
