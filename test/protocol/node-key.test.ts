import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {nodeKeyPath} from '../../src/config/paths.js';
import {generateNodeKey, loadNodeKey, saveNodeKey} from '../../src/crypto/node-key.js';
import {tempHome} from '../helpers/home.js';

const kdf = {opslimit: 1, memlimit: 8192};

describe('provider node key file', () => {
  it('round-trips under a password, mode 0600, apart from the wallet', async () => {
    const file = path.join(tempHome(), 'node', 'node-key.json');
    const key = await generateNodeKey();
    await saveNodeKey(key, {path: file, password: 'pw', kdf});
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(Buffer.from(key.ed25519Seed).toString('hex'));
    const loaded = await loadNodeKey({path: file, password: 'pw'});
    expect(Buffer.from(loaded.x25519SecretKey)).toEqual(Buffer.from(key.x25519SecretKey));
    expect(Buffer.from(loaded.ed25519PublicKey)).toEqual(Buffer.from(key.ed25519PublicKey));
    await expect(loadNodeKey({path: file, password: 'wrong'})).rejects.toMatchObject({code: 'BAD_PASSWORD'});
    await expect(saveNodeKey(key, {path: file, password: 'pw', kdf})).rejects.toMatchObject({code: 'ALREADY_EXISTS'});
  });

  it('defaults to dataPath("node") and COCOON_NODE_PASSWORD, and detects a swapped public header', async () => {
    expect(nodeKeyPath()).toBe(path.join(process.env.COCOON_HOME!, 'data', 'node', 'node-key.json'));
    const file = path.join(tempHome(), 'k.json');
    process.env.COCOON_NODE_PASSWORD = 'from-env';
    try {
      await saveNodeKey(await generateNodeKey(), {path: file, kdf});
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect((await loadNodeKey({path: file})).x25519PublicKey.length).toBe(32);
      json.x25519PublicKey = Buffer.from((await generateNodeKey()).x25519PublicKey).toString('hex');
      fs.writeFileSync(file, JSON.stringify(json));
      await expect(loadNodeKey({path: file})).rejects.toMatchObject({code: 'BAD_PASSWORD'});
    } finally {
      delete process.env.COCOON_NODE_PASSWORD;
    }
    await expect(loadNodeKey({path: file})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });
});
