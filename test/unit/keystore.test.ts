import fs from 'node:fs';
import path from 'node:path';
import {mnemonicNew} from '@ton/crypto';
import {describe, expect, it} from 'vitest';
import {createKeystore, parseKeystore, unlockKeystore} from '../../src/crypto/keystore.js';
import {WalletStore} from '../../src/wallet/store.js';
import {tempHome} from '../helpers/home.js';

// Cheap Argon2id for unit tests only; the CLI tests run the real default cost.
const cost = {opslimit: 1, memlimit: 8192 * 1024};

describe('keystore', () => {
  it('round-trips a mnemonic under its password and refuses a wrong one', async () => {
    const words = await mnemonicNew(24);
    const keystore = await createKeystore({name: 'alice', words, password: 'right', cost});
    expect(JSON.stringify(keystore)).not.toContain(words[0] + ' ' + words[1]);
    const unlocked = await unlockKeystore(keystore, 'right');
    expect(unlocked.words).toEqual(words);
    expect(unlocked.publicKey.toString('hex')).toBe(keystore.publicKey);
    await expect(unlockKeystore(keystore, 'wrong')).rejects.toMatchObject({code: 'BAD_PASSWORD'});
  });

  it('binds the clear header: renaming or swapping the public key breaks the seal', async () => {
    const words = await mnemonicNew(24);
    const keystore = await createKeystore({name: 'alice', words, password: 'pw', cost});
    await expect(unlockKeystore({...keystore, name: 'mallory'}, 'pw')).rejects.toMatchObject({code: 'BAD_PASSWORD'});
    const other = await createKeystore({name: 'alice', words: await mnemonicNew(24), password: 'pw', cost});
    await expect(unlockKeystore({...keystore, publicKey: other.publicKey}, 'pw')).rejects.toMatchObject({code: 'BAD_PASSWORD'});
  });

  it('refuses an invalid mnemonic on import', async () => {
    await expect(createKeystore({name: 'x', words: ['abandon', 'ability'], password: 'pw', cost})).rejects.toMatchObject({code: 'INVALID_INPUT'});
  });

  it('reports corrupt files as CORRUPT_DATA naming the file', () => {
    expect(() => parseKeystore('{"version":1', '/k/a.json')).toThrow(/\/k\/a.json is corrupt/);
    expect(() => parseKeystore('{"version":2,"kind":"cocoon-wallet"}', '/k/a.json')).toThrow(/corrupt/);
  });

  it('stores files 0600 in a 0700 directory, never overwrites, and validates names', async () => {
    const store = new WalletStore(path.join(tempHome(), 'wallets'));
    const keystore = await createKeystore({name: 'alice', words: await mnemonicNew(24), password: 'pw', cost});
    const file = store.add(keystore);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(() => store.add(keystore)).toThrow(/already exists/);
    expect(() => WalletStore.checkName('../etc')).toThrow(/Invalid wallet name/);
    expect(store.load('alice')).toEqual(keystore);
    expect(() => store.load('bob')).toThrow(/No wallet named "bob"/);
  });

  it('resolves the wallet to use without guessing between several', async () => {
    const store = new WalletStore(path.join(tempHome(), 'wallets'));
    expect(() => store.resolveName(undefined, undefined)).toThrow(/no wallet yet/);
    store.add(await createKeystore({name: 'a', words: await mnemonicNew(24), password: 'pw', cost}));
    expect(store.resolveName(undefined, undefined)).toBe('a');
    store.add(await createKeystore({name: 'b', words: await mnemonicNew(24), password: 'pw', cost}));
    expect(() => store.resolveName(undefined, undefined)).toThrow(/several wallets/);
    expect(store.resolveName(undefined, 'b')).toBe('b');
    expect(store.resolveName('a', 'b')).toBe('a');
  });
});
