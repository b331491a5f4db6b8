import {spawn} from 'node:child_process';
import path from 'node:path';
import {Address} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {formatAddress, walletContract} from '../../src/chain/wallet-contract.js';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BIN, ROOT, runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {testModel} from '../inference/model.js';

// Every script in examples/ runs here, as a user would run it, against a real devnet and provider.
const consumerHome = tempHome();
const providerHome = tempHome();
const cocoonBin = `${process.execPath} ${BIN}`;
let env: Record<string, string>;
let provider: ReturnType<typeof spawn> | undefined;

function run(command: string, args: string[], options: {home: string; env?: Record<string, string>; ready?: RegExp}): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {cwd: ROOT, env: {...process.env, ...env, CI: 'true', NODE_ENV: undefined, COCOON_HOME: options.home, COCOON_BIN: cocoonBin, ...options.env}});
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (options.ready?.test(stderr)) {
        provider = child;
        resolve({code: null, stdout, stderr});
      }
    });
    child.on('exit', (code) => resolve({code, stdout, stderr}));
  });
}

beforeAll(async () => {
  env = {COCOON_DEVNET_PORT: String(await freePort()), COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_INFERENCE_GPU: 'off', COCOON_CHANNEL_CLOSE_DELAY: '600'};
  for (const args of [['devnet', 'start', '--detach'], ['wallet', 'create', 'gpu'], ['devnet', 'fund', 'gpu', '5']]) {
    const r = await runCli(args, {home: args[0] === 'devnet' && args[1] === 'start' ? consumerHome : providerHome, env});
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  provider?.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home: consumerHome, env});
});

describe('examples/', () => {
  it('provider.sh registers once and serves', async () => {
    const port = String(await freePort());
    const started = await run('bash', ['examples/provider.sh'], {home: providerHome, env: {MODEL: testModel(), PORT: port, PRICE_COMPLETION: '100'}, ready: /serving \S+/});
    expect(started.code, started.stderr).toBeNull();
    const status = await runCli(['provide', 'status', '--json'], {home: providerHome, env});
    expect(status.json.registration.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(status.json.node.running).toBe(true);
  });

  it('ci-ask.sh imports the wallet from COCOON_MNEMONIC and prints only the answer', async () => {
    const mnemonic = await mnemonicNew(24);
    // Fund the wallet's address (as a CI secret's owner would), so the script itself imports the keystore.
    const keys = await mnemonicToPrivateKey(mnemonic);
    const address = (await walletContract(keys.publicKey, 'devnet')).address.toString({testOnly: true});
    expect((await runCli(['devnet', 'fund', address, '5'], {home: consumerHome, env})).code).toBe(0);
    expect((await runCli(['wallet', 'show', 'ci'], {home: consumerHome, env})).code).toBe(3);
    const r = await run('bash', ['examples/ci-ask.sh'], {home: consumerHome, env: {COCOON_MNEMONIC: mnemonic.join(' '), PROMPT: 'Once upon a time', MAX_TOKENS: '24'}});
    expect(r.code, r.stderr).toBe(0);
    expect((await runCli(['wallet', 'show', 'ci', '--json'], {home: consumerHome, env})).json.address).toBe(formatAddress(Address.parse(address), 'devnet'));
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/cost [\d.]+ GRAM, \d+ tokens, provider \S+, trust provider-visible/);
  });

  it('ask-from-node.ts asks through the SDK', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', path.join('examples', 'ask-from-node.ts'), 'The cat'], {home: consumerHome});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/\d+ tokens for [\d.]+ GRAM, receipt [0-9a-f]{32}/);
  });

  it('local-market.ts runs the whole market in one process', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', path.join('examples', 'local-market.ts')], {home: tempHome(), env: {COCOON_MODEL: testModel()}});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/paid ([\d.]+) GRAM; the provider claimed \1 GRAM on chain/);
  });
});
