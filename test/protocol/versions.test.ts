// What a version-3 peer says to version-2 material it meets outside a request header (docs/protocol.md §16).
import {describe, expect, it} from 'vitest';
import {signEd25519} from '../../src/crypto/ed25519.js';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {verifyInfo} from '../../src/protocol/info.js';
import {decodeReceipt} from '../../src/protocol/receipt.js';
import {bytes} from './setup.js';

describe('version 2 peers', () => {
  it('a version-2 provider’s info is refused naming both versions, not as a bad signature', async () => {
    const node = await generateNodeKey(bytes('v2 node', 64));
    const info = JSON.stringify({protocol: 2, software: 'cocoon/0.0.9'});
    const body = {info, signature: signEd25519(node.ed25519Seed, Buffer.from(`cocoon/v2 info\n${info}`)).toString('hex')};
    expect(() => verifyInfo(body, node.ed25519PublicKey)).toThrow('The provider speaks protocol version 2; this cocoon speaks version 3.');
  });

  it('a version-2 receipt (118 bytes, version byte 2) is refused naming its version', () => {
    const v2 = Buffer.alloc(118);
    v2.writeUInt32BE(0x72637074, 0);
    v2[4] = 2;
    expect(() => decodeReceipt(v2)).toThrow(/receipt \(protocol version 2; this cocoon speaks version 3\)/);
  });
});
