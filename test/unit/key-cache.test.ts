import {randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {ed25519PublicKey, signEd25519, verifyEd25519} from '../../src/crypto/ed25519.js';
import {x25519, x25519KeyPair} from '../../src/crypto/x25519.js';

// The key caches find a long-lived key by its buffer, skipping the hash: a buffer
// whose bytes changed since must get the key of its new bytes, never the old one.
describe('key caches keyed by buffer', () => {
  it('Ed25519: signing after the seed buffer was overwritten in place uses the new seed', () => {
    const seed = randomBytes(32);
    const message = Buffer.from('receipt');
    const first = ed25519PublicKey(seed);
    expect(verifyEd25519(first, message, signEd25519(seed, message))).toBe(true);
    expect(verifyEd25519(first, message, signEd25519(seed, message))).toBe(true); // cached
    randomBytes(32).copy(seed);
    const second = ed25519PublicKey(Buffer.from(seed));
    const signature = signEd25519(seed, message);
    expect(verifyEd25519(second, message, signature)).toBe(true);
    expect(verifyEd25519(first, message, signature)).toBe(false);
  });

  it('X25519: an agreement after the secret buffer was overwritten in place uses the new secret', async () => {
    const peer = await x25519KeyPair();
    const secret = new Uint8Array(randomBytes(32));
    const before = await x25519(secret, peer.publicKey);
    expect(await x25519(secret, peer.publicKey)).toEqual(before); // cached
    secret.set(randomBytes(32));
    const after = await x25519(secret, peer.publicKey);
    expect(after).not.toEqual(before);
    expect(after).toEqual(await x25519(new Uint8Array(secret), peer.publicKey));
  });
});
