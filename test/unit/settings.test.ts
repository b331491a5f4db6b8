import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {Settings, envName} from '../../src/config/settings.js';
import {resolvePaths} from '../../src/config/paths.js';
import {CocoonError} from '../../src/errors.js';
import {tempHome} from '../helpers/home.js';

describe('settings', () => {
  it('resolves flag > env > file > default, reporting the source', async () => {
    const home = tempHome();
    const env = {COCOON_HOME: home};
    const file = await Settings.open({env});
    expect(file.resolve('network')).toMatchObject({value: 'devnet', source: 'default'});
    file.set('network', 'testnet');
    expect((await Settings.open({env})).resolve('network')).toMatchObject({value: 'testnet', source: 'file'});
    const withEnv = await Settings.open({env: {...env, COCOON_NETWORK: 'mainnet'}});
    expect(withEnv.resolve('network')).toMatchObject({value: 'mainnet', source: 'env'});
    const withFlag = await Settings.open({env: {...env, COCOON_NETWORK: 'mainnet'}, overrides: {network: 'devnet'}});
    expect(withFlag.resolve('network')).toMatchObject({value: 'devnet', source: 'flag'});
  });

  it('stores the file under COCOON_HOME with mode 0600 and coerces typed values', async () => {
    const home = tempHome();
    const settings = await Settings.open({env: {COCOON_HOME: home}});
    settings.set('devnet.port', '18600');
    expect(settings.get('devnet.port')).toBe(18_600);
    expect(settings.path).toBe(path.join(resolvePaths({COCOON_HOME: home}).configDir, 'config.json'));
    expect(fs.statSync(settings.path).mode & 0o777).toBe(0o600);
    settings.unset('devnet.port');
    expect(settings.resolve('devnet.port')).toMatchObject({value: 18_545, source: 'default'});
  });

  it('rejects unknown keys and invalid values, from the file command and from the environment alike', async () => {
    const home = tempHome();
    const settings = await Settings.open({env: {COCOON_HOME: home}});
    expect(() => settings.set('netwrok', 'devnet')).toThrow(/Unknown setting "netwrok"/);
    expect(() => settings.set('devnet.port', '99999')).toThrow(CocoonError);
    expect(() => settings.set('network', 'moon')).toThrow(/Invalid value "moon" for network/);
    expect(fs.existsSync(settings.path)).toBe(false);
    const bad = await Settings.open({env: {COCOON_HOME: home, COCOON_NETWORK: 'moon'}});
    expect(() => bad.get('network')).toThrow(/from COCOON_NETWORK/);
  });

  it('maps keys to environment names', () => {
    expect(envName('network')).toBe('COCOON_NETWORK');
    expect(envName('testnet.apiKey')).toBe('COCOON_TESTNET_API_KEY');
    expect(envName('devnet.port')).toBe('COCOON_DEVNET_PORT');
  });

  it('reports a corrupt settings file clearly', async () => {
    const home = tempHome();
    const {configDir} = resolvePaths({COCOON_HOME: home});
    fs.mkdirSync(configDir, {recursive: true});
    fs.writeFileSync(path.join(configDir, 'config.json'), '{not json');
    await expect(Settings.open({env: {COCOON_HOME: home}})).rejects.toMatchObject({code: 'CORRUPT_DATA'});
  });
});
