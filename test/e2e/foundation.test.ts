import fs from 'node:fs';
import path from 'node:path';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli, type CliResult} from '../helpers/cli.js';
import {freePort, snapshotDir} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';

const PASSWORD = 'correct horse battery staple';
const home = tempHome();
let env: Record<string, string>;
let bobWords: string[];
const outputs: CliResult[] = [];

async function cli(args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<CliResult> {
  const result = await runCli(args, {home, env: {...env, ...extraEnv}});
  outputs.push(result);
  return result;
}

async function ok(args: string[], extraEnv: Record<string, string | undefined> = {}) {
  const result = await cli([...args, '--json'], extraEnv);
  if (result.code !== 0) throw new Error(`cocoon ${args.join(' ')} failed (${result.code}): ${result.stdout}${result.stderr}`);
  return result.json;
}

/** Run a command that must fail: non-zero exit, the expected message, and no file changed under COCOON_HOME. */
async function failsCleanly(args: string[], expected: {code: number; message: RegExp}, extraEnv: Record<string, string | undefined> = {}) {
  const before = snapshotDir(home);
  const result = await cli(args, extraEnv);
  expect(result.code, result.stdout + result.stderr).toBe(expected.code);
  expect(result.stdout + result.stderr).toMatch(expected.message);
  expect(snapshotDir(home)).toEqual(before);
  return result;
}

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: PASSWORD};
  bobWords = await mnemonicNew(24);
});

afterAll(async () => {
  await runCli(['devnet', 'stop'], {home, env});
});

describe('foundation, through the CLI', () => {
  it('lists the topics and prints its version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const topic of ['wallet', 'devnet', 'config']) expect(help.stdout).toMatch(new RegExp(`^\\s+${topic}\\s`, 'm'));
    const version = await cli(['--version']);
    expect(version.stdout).toMatch(/^cocoon-cli\/\d+\.\d+\.\d+ /);
  });

  it('devnet → wallets → fund 10 → send 1 → exact balances → restart → unchanged', async () => {
    const started = await ok(['devnet', 'start', '--detach']);
    expect(started).toMatchObject({running: true, alreadyRunning: false});

    const alice = await ok(['wallet', 'create', 'alice']);
    const bob = await ok(['wallet', 'import', 'bob'], {COCOON_MNEMONIC: bobWords.join(' ')});
    expect(alice.address).toMatch(/^0Q/);
    expect(alice.addresses.mainnet).not.toBe(alice.addresses.testnet);
    const bobKeys = await mnemonicToPrivateKey(bobWords);
    expect(bob.publicKey).toBe(bobKeys.publicKey.toString('hex'));
    const keystore = path.join(home, 'data', 'wallets', 'alice.json');
    expect(fs.statSync(keystore).mode & 0o777).toBe(0o600);

    expect(await ok(['devnet', 'fund', 'alice', '10'])).toMatchObject({balance: '10'});
    expect(await ok(['wallet', 'balance', 'alice'])).toMatchObject({balance: '10', nano: '10000000000'});

    const sent = await ok(['wallet', 'send', bob.address, '1', '--wallet', 'alice', '--yes']);
    expect(sent).toMatchObject({amount: '1', bounce: false, network: 'devnet'});
    const feeNano = BigInt(Math.round(Number(sent.fee) * 1e9));
    expect(feeNano).toBeGreaterThan(0n);
    expect(feeNano).toBeLessThan(50_000_000n);

    const aliceNano = BigInt((await ok(['wallet', 'balance', 'alice'])).nano);
    expect(aliceNano).toBe(10_000_000_000n - 1_000_000_000n - feeNano);
    expect(await ok(['wallet', 'balance', 'bob'])).toMatchObject({nano: '1000000000'});

    expect(await ok(['devnet', 'stop'])).toEqual({stopped: true});
    await ok(['devnet', 'start', '--detach']);
    expect((await ok(['wallet', 'balance', 'alice'])).nano).toBe(aliceNano.toString());
    expect((await ok(['wallet', 'balance', bob.address])).nano).toBe('1000000000');
    const list = await ok(['wallet', 'list']);
    expect(list.wallets.map((w: {name: string}) => w.name)).toEqual(['alice', 'bob']);
  });

  it('bad input: a clear message, a non-zero exit and nothing changed on disk', async () => {
    const bob = await ok(['wallet', 'show', 'bob']);
    await failsCleanly(['wallet', 'send', bob.address, '1', '--wallet', 'alice', '--yes'], {code: 4, message: /Wrong password/}, {COCOON_WALLET_PASSWORD: 'nope'});
    await failsCleanly(['wallet', 'send', bob.address, '100', '--wallet', 'alice', '--yes', '--json'], {code: 7, message: /INSUFFICIENT_FUNDS[\s\S]*needs about/});
    await failsCleanly(['wallet', 'send', 'EQnot-an-address', '1', '--wallet', 'alice', '--yes'], {code: 2, message: /neither a TON address nor the name of one of your wallets/});
    await failsCleanly(['wallet', 'show', 'nobody'], {code: 3, message: /No wallet named "nobody"[\s\S]*Known wallets: alice, bob/});
    await failsCleanly(['wallet', 'balance', '--network', 'moon'], {code: 2, message: /Expected --network=moon to be one of: devnet, testnet, mainnet/});
    await failsCleanly(['wallet', 'balance', 'alice', '--json'], {code: 2, message: /Invalid value \\"moon\\" for network \(from COCOON_NETWORK\)/}, {COCOON_NETWORK: 'moon'});
    await failsCleanly(['wallet', 'send', bob.address, '1', '--wallet', 'alice'], {code: 4, message: /no terminal[\s\S]*--yes/});
    await failsCleanly(['wallet', 'send', bob.address, 'lots', '--wallet', 'alice', '--yes'], {code: 2, message: /"lots" is not an amount of GRAM/});

    // A corrupt keystore: reported by name, the other wallets still work.
    const carol = await ok(['wallet', 'create', 'carol']);
    fs.writeFileSync(carol.keystore, '{"version":1,"kind":"cocoon-wallet","name":"carol"');
    await failsCleanly(['wallet', 'send', bob.address, '1', '--wallet', 'carol', '--yes'], {code: 5, message: /carol\.json is corrupt/});
    const list = await ok(['wallet', 'list']);
    expect(list.wallets.find((w: {name: string}) => w.name === 'carol').error).toMatch(/corrupt/);

    await ok(['devnet', 'stop']);
    await failsCleanly(['wallet', 'balance', 'alice'], {code: 6, message: /No devnet is running[\s\S]*cocoon devnet start --detach/});
    await failsCleanly(['wallet', 'send', bob.address, '1', '--wallet', 'alice', '--yes', '--json'], {code: 6, message: /CHAIN_UNAVAILABLE/});
    await ok(['devnet', 'start', '--detach']);
  });

  it('export shows the mnemonic only after a confirmation, and never as JSON', async () => {
    await failsCleanly(['wallet', 'export', 'bob'], {code: 4, message: /confirmation is needed[\s\S]*--yes/});
    const json = await cli(['wallet', 'export', 'bob', '--yes', '--json']);
    expect(json.code).toBe(2);
    expect(json.stdout + json.stderr).not.toContain(bobWords.slice(0, 3).join(' '));
    const shown = await cli(['wallet', 'export', 'bob', '--yes']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.trim()).toBe(bobWords.join(' '));
    outputs.pop(); // the one output allowed to hold the secret
  });

  it('no secret appears in any other output, --json included', async () => {
    const bobKeys = await mnemonicToPrivateKey(bobWords);
    const secrets = [
      PASSWORD,
      bobKeys.secretKey.toString('hex'),
      bobKeys.secretKey.subarray(0, 32).toString('hex'),
      bobKeys.secretKey.toString('base64'),
      ...Array.from({length: 21}, (_, i) => bobWords.slice(i, i + 4).join(' ')),
    ];
    expect(outputs.length).toBeGreaterThan(25);
    for (const out of outputs) {
      for (const secret of secrets) expect(out.stdout + out.stderr).not.toContain(secret);
    }
    const files = snapshotDir(home);
    for (const file of Object.keys(files)) {
      const text = fs.readFileSync(path.join(home, file), 'utf8');
      for (const secret of secrets) expect(text, file).not.toContain(secret);
    }
  });
});
