// Rough edges a new user hits, through the built CLI as CI runs it.
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {generateNodeKey, saveNodeKey} from '../../src/crypto/node-key.js';
import {runCli} from '../helpers/cli.js';
import {tempHome} from '../helpers/home.js';

describe('usage errors under --json', () => {
  it('are the documented {"error"} object with exit 2, not oclif internals', async () => {
    const home = tempHome();
    for (const args of [['ask', '--bogus-flag', 'x'], ['channel', 'list', '-w', 'x'], ['ask', '--max-tokens', 'abc', 'hi']]) {
      const r = await runCli([...args, '--json'], {home});
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout.length, args.join(' ')).toBeLessThan(2000);
      expect(r.json, args.join(' ')).toEqual({error: {code: 'USAGE', message: expect.any(String), hint: expect.stringMatching(/^See `cocoon .+ --help`\.$/), exitCode: 2}});
    }
    const parsed = await runCli(['ask', '--max-tokens', 'abc', 'hi', '--json'], {home});
    expect(parsed.json.error.message).toBe('Parsing --max-tokens: Expected an integer but received: abc');
  });
});

describe('secrets', () => {
  it('a wrong node key password names COCOON_NODE_PASSWORD, not the wallet’s variable', async () => {
    const home = tempHome();
    await saveNodeKey(await generateNodeKey(), {path: path.join(home, 'data', 'node', 'node-key.json'), password: 'right', kdf: {opslimit: 1, memlimit: 8192}});
    const model = path.join(home, 'model.gguf');
    fs.writeFileSync(model, 'not read before the key');
    const r = await runCli(['provide', 'start', '--model', model, '--json'], {home, env: {COCOON_NODE_PASSWORD: 'wrong'}});
    expect(r.code).toBe(4);
    expect(r.json.error).toMatchObject({code: 'BAD_PASSWORD', hint: expect.stringMatching(/COCOON_NODE_PASSWORD/)});
    expect(r.json.error.hint).not.toMatch(/COCOON_WALLET_PASSWORD/);
  });

  it('warns when a keystore can be read by other users, and still works', async () => {
    const home = tempHome();
    expect((await runCli(['wallet', 'create', 'alice', '--json'], {home, env: {COCOON_WALLET_PASSWORD: 'pw'}})).code).toBe(0);
    const file = path.join(home, 'data', 'wallets', 'alice.json');
    fs.chmodSync(file, 0o644);
    const r = await runCli(['wallet', 'show', 'alice'], {home});
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/alice\.json can be read by other users \(mode 0644\); run `chmod 600/);
    fs.chmodSync(file, 0o600);
    expect((await runCli(['wallet', 'show', 'alice'], {home})).stderr).not.toMatch(/other users/);
  });
});
