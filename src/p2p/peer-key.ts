import {hkdfSync} from 'node:crypto';
import {generateKeyPairFromSeed} from '@libp2p/crypto/keys';
import {peerIdFromPrivateKey} from '@libp2p/peer-id';
import type {Ed25519PrivateKey, PeerId} from '@libp2p/interface';

// The libp2p identity of a provider node is derived from its node key, so it needs no file of its own, is
// never typed or logged, and moves with the node key. HKDF with its own label keeps the two uses apart:
// the node key's Ed25519 signs receipts and info, this one only libp2p's handshakes (Noise, identify).
const INFO = 'cocoon libp2p peer key v1';

/** The libp2p private key of a node, derived from its 32-byte Ed25519 seed (src/crypto/node-key.ts). */
export async function derivePeerKey(nodeSeed: Uint8Array): Promise<Ed25519PrivateKey> {
  if (nodeSeed.length !== 32) throw new TypeError('the node key seed must be 32 bytes');
  const seed = new Uint8Array(hkdfSync('sha256', nodeSeed, new Uint8Array(0), INFO, 32));
  return generateKeyPairFromSeed('Ed25519', seed);
}

/** The peer id (12D3KooW…) a node's libp2p key has. */
export async function derivePeerId(nodeSeed: Uint8Array): Promise<PeerId> {
  return peerIdFromPrivateKey(await derivePeerKey(nodeSeed));
}
