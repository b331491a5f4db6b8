// The unit and plist `provide service install` writes: systemd's own verifier
// accepts both unit kinds, words survive systemd's quoting, and the plist is
// exactly the golden file (launchd is not here to load it).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {launchdPlist, systemdUnit, systemdWord, type ServiceSpec} from '../../src/app/service-units.js';
import {BIN} from '../helpers/cli.js';

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

function spec(o: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    node: 'gpu2',
    name: 'cocoon-provider-gpu2',
    scope: 'user',
    execPath: process.execPath,
    cliPath: BIN,
    args: ['provide', 'start', '--node', 'gpu2', '--parallel', '4'],
    env: {COCOON_HOME: '/srv/cocoon home', COCOON_NODE_PASSWORD_FILE: '/srv/cocoon home/config/service/gpu2.node-password'},
    workingDirectory: os.tmpdir(),
    ...o,
  };
}

function verify(text: string, name: string): {status: number | null; output: string} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unit-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  const r = spawnSync('systemd-analyze', ['verify', file], {encoding: 'utf8'});
  return {status: r.status, output: `${r.stdout}${r.stderr}`};
}

describe('service units', () => {
  it('quotes what systemd would split or expand', () => {
    expect(systemdWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdWord('/srv/cocoon home/x')).toBe('"/srv/cocoon home/x"');
    expect(systemdWord('50%')).toBe('50%%');
    expect(systemdWord('$HOME')).toBe('$$HOME');
    expect(systemdWord('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(systemdWord('')).toBe('""');
  });

  it('writes a user unit that restarts on failure, stops with SIGINT and time to settle, and names the secret by file only', () => {
    const text = systemdUnit(spec());
    expect(text).toMatch(/^ExecStart=\S+node\S* \S+run\.js provide start --node gpu2 --parallel 4$/m);
    expect(text).toContain('Environment="COCOON_NODE_PASSWORD_FILE=/srv/cocoon home/config/service/gpu2.node-password"');
    expect(text).toMatch(/^KillSignal=SIGINT$/m);
    expect(text).toMatch(/^TimeoutStopSec=180$/m);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toMatch(/^WantedBy=default\.target$/m);
    expect(text).not.toMatch(/^User=|^LoadCredential=|^ProtectSystem=/m);
  });

  it('writes a system unit that runs as the user, loads the password as a credential and may write only its directories', () => {
    const text = systemdUnit(spec({scope: 'system', user: 'alice', credentials: {cocoon_node_password: '/home/alice/.config/cocoon/service/gpu2.node-password'}, env: {}, writablePaths: ['/home/alice/.config/cocoon', '/home/alice/.local/share/cocoon']}));
    expect(text).toMatch(/^User=alice$/m);
    expect(text).toMatch(/^LoadCredential=cocoon_node_password:\/home\/alice\/\.config\/cocoon\/service\/gpu2\.node-password$/m);
    expect(text).toMatch(/^ProtectSystem=strict$/m);
    expect(text).toMatch(/^ReadWritePaths=\/home\/alice\/\.config\/cocoon \/home\/alice\/\.local\/share\/cocoon$/m);
    expect(text).toMatch(/^WantedBy=multi-user\.target$/m);
  });

  it.skipIf(!hasAnalyze)('passes systemd-analyze verify, user and system kinds (and the verifier catches a broken one)', () => {
    for (const s of [spec(), spec({scope: 'system', user: os.userInfo().username, credentials: {cocoon_node_password: '/etc/hostname'}, env: {}, writablePaths: [os.tmpdir()]})]) {
      const r = verify(systemdUnit(s), 'cocoon-provider-gpu2.service');
      expect(r.output, r.output).not.toMatch(/Unknown|Failed|not executable|Invalid|ignoring/i);
      expect(r.status, r.output).toBe(0);
    }
    const broken = verify(systemdUnit(spec({execPath: '/nonexistent/node'})), 'cocoon-provider-gpu2.service');
    expect(broken.status).not.toBe(0);
    expect(broken.output).toMatch(/not executable|No such file/);
  });

  it('writes exactly the golden launchd plist', () => {
    const golden = fs.readFileSync(new URL('../fixtures/provider.plist', import.meta.url), 'utf8');
    const text = launchdPlist(spec({execPath: '/opt/homebrew/bin/node', cliPath: '/opt/homebrew/lib/node_modules/cocoon-cli/bin/run.js', workingDirectory: '/Users/alice', env: {COCOON_NODE_PASSWORD_FILE: '/Users/alice/Library/Application Support/cocoon/service/gpu2.node-password', COCOON_NETWORK: 'testnet'}, logFile: '/Users/alice/Library/Logs/cocoon/provider-gpu2.log'}));
    expect(text).toBe(golden);
    // Well-formed XML with the values escaped: a node name cannot inject keys.
    const evil = launchdPlist(spec({node: 'x</string><key>', args: ['a&b']}));
    expect(evil).toContain('a&amp;b');
    expect(evil).not.toContain('x</string><key>');
  });
});
