import {describe, expect, it} from 'vitest';
import {x25519, x25519Ephemeral, x25519KeyPair} from '../../src/crypto/x25519.js';
import {sodium} from '../../src/crypto/sodium.js';

describe('X25519 through node:crypto', () => {
  it('agrees with libsodium on public keys and shared secrets', async () => {
    const na = await sodium();
    for (let i = 0; i < 8; i++) {
      const a = await x25519KeyPair();
      const b = x25519Ephemeral();
      expect(Buffer.from(a.publicKey)).toEqual(Buffer.from(na.crypto_scalarmult_base(a.secretKey)));
      const shared = b.agree(a.publicKey);
      expect(Buffer.from(await x25519(a.secretKey, b.publicKey))).toEqual(Buffer.from(shared));
      expect(Buffer.from(na.crypto_scalarmult(a.secretKey, b.publicKey))).toEqual(Buffer.from(shared));
    }
  });

  it('refuses low-order peer keys and wrong lengths as PROTOCOL_ERROR', async () => {
    const me = await x25519KeyPair();
    for (const peer of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31)), new Uint8Array(31)]) {
      await expect(x25519(me.secretKey, peer)).rejects.toMatchObject({code: 'PROTOCOL_ERROR'});
      expect(() => x25519Ephemeral().agree(peer)).toThrow(expect.objectContaining({code: 'PROTOCOL_ERROR'}));
    }
  });
});
