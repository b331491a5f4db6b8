// Several nodes on one machine: a key file, a config and a ledger per node;
// the machine's original key and config stay the default node's, unmoved.
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {AppContext} from '../../src/app/context.js';
import {machineNodes, nodeName} from '../../src/app/provide.js';
import {nodeKeyPath} from '../../src/config/paths.js';
import {Settings} from '../../src/config/settings.js';
import {generateNodeKey, loadNodeKey, saveNodeKey} from '../../src/crypto/node-key.js';
import {configuredNodes, ledgerDir, nodeDir, providerDir, readProviderConfig, writeProviderConfig} from '../../src/provider/local-config.js';
import {tempHome} from '../helpers/home.js';

const data = () => path.join(process.env.COCOON_HOME!, 'data');
const config = (node?: string, port = 8740) => ({version: 1 as const, network: 'devnet', ...(node ? {node} : {}), wallet: 'gpu', modelPath: '/m.gguf', host: '127.0.0.1', port, endpoint: `http://127.0.0.1:${port}`});

describe('per-node paths', () => {
  it('keeps the default node where the single node was, and puts named nodes in their own directories', () => {
    expect(nodeKeyPath()).toBe(path.join(data(), 'node', 'node-key.json'));
    expect(nodeKeyPath('default')).toBe(path.join(data(), 'node', 'node-key.json'));
    expect(nodeKeyPath('gpu2')).toBe(path.join(data(), 'node', 'gpu2', 'node-key.json'));
    expect(nodeDir('devnet')).toBe(providerDir('devnet'));
    expect(nodeDir('devnet', 'gpu2')).toBe(path.join(providerDir('devnet'), 'nodes', 'gpu2'));
    expect(ledgerDir('devnet')).toBe(path.join(providerDir('devnet'), 'channels'));
    expect(ledgerDir('devnet', 'gpu2')).toBe(path.join(providerDir('devnet'), 'nodes', 'gpu2', 'channels'));
  });

  it('refuses node names that are not safe directory names', () => {
    for (const bad of ['', '../x', 'a/b', 'a.b', '-x', 'x'.repeat(33)]) {
      expect(() => nodeKeyPath(bad), bad).toThrow(expect.objectContaining({code: 'INVALID_INPUT'}));
      expect(() => nodeName(bad), bad).toThrow(/Invalid node name/);
    }
    expect(nodeName()).toBe('default');
    expect(nodeName('gpu_2-b')).toBe('gpu_2-b');
  });
});

describe('per-node local config', () => {
  it('saves and reads each node apart; a config from before names is the default node', () => {
    const network = `devnet-${process.pid}-${Date.now()}`;
    expect(configuredNodes(network)).toEqual([]);
    // As an older version wrote it: no `node` field, in the network directory.
    fs.mkdirSync(providerDir(network), {recursive: true});
    fs.writeFileSync(path.join(providerDir(network), 'provider.json'), JSON.stringify({...config(), network}));
    writeProviderConfig({...config('b', 8742), network});
    writeProviderConfig({...config('a', 8741), network});
    expect(configuredNodes(network)).toEqual(['default', 'a', 'b']);
    expect(readProviderConfig(network)?.port).toBe(8740);
    expect(readProviderConfig(network, 'a')?.port).toBe(8741);
    expect(readProviderConfig(network, 'b')).toMatchObject({node: 'b', port: 8742});
    expect(readProviderConfig(network, 'c')).toBeUndefined();
    expect(fs.existsSync(path.join(providerDir(network), 'nodes', 'a', 'provider.json'))).toBe(true);
  });
});

describe('AppContext node keys', () => {
  it('creates one key per node, finds the machine’s nodes, and reads public keys without a password', async () => {
    const dir = tempHome();
    const legacy = path.join(dir, 'node', 'node-key.json');
    const original = await generateNodeKey();
    await saveNodeKey(original, {path: legacy, password: 'pw', kdf: {opslimit: 1, memlimit: 8192}});
    const asked: unknown[] = [];
    const app = AppContext.open({settings: await Settings.open(), nodeKeyFile: legacy, secrets: async (request) => (asked.push(request), 'pw')});
    expect(app.nodeNames()).toEqual(['default']);
    expect(app.nodeKeyPath('b')).toBe(path.join(dir, 'node', 'b', 'node-key.json'));
    expect(app.nodePublicKey('b')).toBeUndefined();
    await expect(app.nodeKey({node: 'b'})).rejects.toMatchObject({code: 'NOT_FOUND', message: expect.stringMatching(/no key for node "b"/)});

    const b = await app.nodeKey({node: 'b', create: true});
    const a = await app.nodeKey({node: 'a', create: true});
    expect(b.created && a.created).toBe(true);
    expect(b.path).toBe(path.join(dir, 'node', 'b', 'node-key.json'));
    expect(Buffer.from(a.key.ed25519PublicKey).equals(Buffer.from(b.key.ed25519PublicKey))).toBe(false);
    expect(asked).toContainEqual({kind: 'node-key', creating: true, node: 'b'});
    expect(app.nodeNames()).toEqual(['default', 'a', 'b']);
    expect(app.nodePublicKey('b')!.equals(Buffer.from(b.key.ed25519PublicKey))).toBe(true);

    // The default node is the machine's original key, unchanged.
    const def = await app.nodeKey();
    expect(def.created).toBe(false);
    expect(Buffer.from(def.key.ed25519PublicKey).equals(Buffer.from(original.ed25519PublicKey))).toBe(true);
    expect(app.nodePublicKey()!.equals(Buffer.from(original.ed25519PublicKey))).toBe(true);
    // Cached per node: unlocking b again asks nothing, and gives b's key.
    const count = asked.length;
    expect((await app.nodeKey({node: 'b'})).key.ed25519PublicKey).toEqual(b.key.ed25519PublicKey);
    expect(asked.length).toBe(count);
    expect((await loadNodeKey({path: b.path, password: 'pw'})).ed25519PublicKey).toEqual(b.key.ed25519PublicKey);
  });

  it('lists nodes that have a key or a config on this network', async () => {
    const dir = tempHome();
    const app = AppContext.open({settings: await Settings.open(), nodeKeyFile: path.join(dir, 'node', 'node-key.json'), secrets: async () => 'pw'});
    await app.nodeKey({node: 'z', create: true});
    writeProviderConfig({...config('m', 8750), network: app.network});
    expect(machineNodes(app)).toEqual(expect.arrayContaining(['m', 'z']));
    expect(machineNodes(app).indexOf('m')).toBeLessThan(machineNodes(app).indexOf('z'));
  });
});
