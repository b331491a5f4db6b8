// Secrets for services: a *_FILE must be the owner's alone (except systemd's
// own credentials directory); the variable itself wins; a missing file is named.
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {secretFromEnv} from '../../src/cli/secret-env.js';
import {tempHome} from '../helpers/home.js';

function file(dir: string, name: string, text: string, mode: number): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  fs.chmodSync(f, mode);
  return f;
}

describe('secretFromEnv', () => {
  it('reads a 0600 file without its newline, refuses one others can read, and takes systemd credentials by name', () => {
    const dir = tempHome('secret-');
    const own = file(dir, 'own', 'pw\n', 0o600);
    const loose = file(dir, 'loose', 'pw\n', 0o644);
    expect(secretFromEnv('X', {X_FILE: own})).toBe('pw');
    expect(secretFromEnv('X', {X: 'direct', X_FILE: own})).toBe('direct');
    expect(() => secretFromEnv('X', {X_FILE: loose})).toThrow(/can be read by other users \(mode 644\)/);
    // A credentials directory elsewhere does not excuse a loose file of the user's.
    expect(() => secretFromEnv('X', {X_FILE: loose, CREDENTIALS_DIRECTORY: path.join(dir, 'creds')})).toThrow(/mode 644/);
    const creds = fs.mkdtempSync(path.join(dir, 'creds-'));
    file(creds, 'x', 'from-systemd\n', 0o440);
    expect(secretFromEnv('X', {CREDENTIALS_DIRECTORY: creds})).toBe('from-systemd');
    expect(secretFromEnv('X', {})).toBeUndefined();
    expect(() => secretFromEnv('X', {X_FILE: path.join(dir, 'none')})).toThrow(/Cannot read X/);
  });
});
