import fs from 'node:fs';
import {describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {tempHome} from '../helpers/home.js';

describe('cocoon config', () => {
  it('sets, gets with its source, lists with env names, and unsets', async () => {
    const home = tempHome();
    const set = await runCli(['config', 'set', 'devnet.port', '18600', '--json'], {home});
    expect(set.code).toBe(0);
    expect(set.json).toMatchObject({key: 'devnet.port', value: 18_600, source: 'file'});
    expect(fs.statSync(set.json.path).mode & 0o777).toBe(0o600);

    expect((await runCli(['config', 'get', 'devnet.port', '--json'], {home})).json).toMatchObject({value: 18_600, source: 'file'});
    expect((await runCli(['config', 'get', 'devnet.port', '--json'], {home, env: {COCOON_DEVNET_PORT: '18700'}})).json).toMatchObject({value: 18_700, source: 'env'});
    expect((await runCli(['config', 'get', 'network', '--network', 'mainnet', '--json'], {home})).json).toMatchObject({value: 'mainnet', source: 'flag'});

    const plain = await runCli(['config', 'get', 'devnet.port'], {home});
    expect(plain.stdout).toBe('18600\n');

    const list = await runCli(['config', 'list', '--json'], {home});
    const port = list.json.settings.find((s: {key: string}) => s.key === 'devnet.port');
    expect(port).toMatchObject({value: 18_600, env: 'COCOON_DEVNET_PORT'});

    await runCli(['config', 'unset', 'devnet.port'], {home});
    expect((await runCli(['config', 'get', 'devnet.port', '--json'], {home})).json).toMatchObject({value: 18_545, source: 'default'});

    const paths = await runCli(['config', 'path', '--json'], {home});
    expect(paths.json.dataDir.startsWith(home)).toBe(true);
  });

  it('redacts API keys unless --reveal', async () => {
    const home = tempHome();
    const key = 'tc-api-key-1234567890';
    await runCli(['config', 'set', 'testnet.apiKey', key], {home});
    const list = await runCli(['config', 'list'], {home});
    expect(list.stdout).not.toContain(key);
    expect(list.stdout).toMatch(/testnet\.apiKey\s+\*\*\*\*/);
    expect((await runCli(['config', 'get', 'testnet.apiKey', '--json'], {home})).stdout).not.toContain(key);
    expect((await runCli(['config', 'get', 'testnet.apiKey', '--reveal'], {home})).stdout.trim()).toBe(key);
  });

  it('refuses unknown keys and bad values without writing the file', async () => {
    const home = tempHome();
    const unknown = await runCli(['config', 'set', 'colour', 'blue'], {home});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown setting "colour"[\s\S]*Known settings: network/);
    const bad = await runCli(['config', 'set', 'devnet.port', 'eighty', '--json'], {home});
    expect(bad.code).toBe(2);
    expect(bad.json.error.code).toBe('INVALID_INPUT');
    expect(fs.existsSync(`${home}/config/config.json`)).toBe(false);
  });
});
