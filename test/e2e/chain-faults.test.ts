// Chain faults and the devnet, through the built CLI: a devnet with toncenter's
// manners, a devnet found wherever it was started, typed start-up errors from a
// detached start, no secrets in the daemon's environment, and a `wallet send`
// whose answer is lost that is never paid twice.
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startRoughEndpoint} from '../helpers/rough-endpoint.js';

const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

function cli(home: string, args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(args, {home, env: {COCOON_WALLET_PASSWORD: 'pw', COCOON_DEVNET_PORT: undefined, ...env}, timeoutMs: 120_000});
}
async function ok(home: string, args: string[], env: Record<string, string | undefined> = {}) {
  const r = await cli(home, [...args, '--json'], env);
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

describe('the devnet, through the CLI', () => {
  it('start --port P --latency --rate-limit is remembered: status shows it, fund/balance/send find it (paced under 1 request/s), secrets stay out of its environment', async () => {
    const home = tempHome();
    const port = await freePort();
    const secrets = {COCOON_WALLET_PASSWORD: 'pw', COCOON_NODE_PASSWORD: 'npw', COCOON_MNEMONIC: 'word '.repeat(24), COCOON_GATEWAY_API_KEY: 'k'};
    const started = await ok(home, ['devnet', 'start', '--detach', '--port', String(port), '--latency', '100', '--rate-limit', '1'], secrets);
    stops.push(() => cli(home, ['devnet', 'stop']));
    expect(started).toMatchObject({running: true, url: `http://127.0.0.1:${port}`, latencyMs: 100, rateLimit: 1});
    expect(await ok(home, ['devnet', 'status'])).toMatchObject({running: true, latencyMs: 100, rateLimit: 1, info: {latencyMs: 100, rateLimit: 1}});
    expect((await cli(home, ['devnet', 'status'])).stdout).toMatch(/100 ms latency, at most 1 request\(s\)\/s/);

    // The detached devnet needs no password, mnemonic or API key.
    const environ = fs.readFileSync(`/proc/${started.pid}/environ`, 'utf8');
    for (const name of Object.keys(secrets)) expect(environ).not.toContain(`${name}=`);

    // toncenter's 429 beyond the rate.
    const rpc = () => fetch(`http://127.0.0.1:${port}/jsonRPC`, {method: 'POST', body: JSON.stringify({method: 'getMasterchainInfo', params: {}})});
    const answers = await Promise.all([rpc(), rpc(), rpc()]);
    const limited = answers.find((a) => a.status === 429)!;
    expect(await limited.json()).toEqual({ok: false, error: 'Ratelimit exceed', code: 429});
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);

    // No port given: before the fix these looked at 18545.
    await ok(home, ['wallet', 'create', 'me']);
    await ok(home, ['wallet', 'create', 'you']);
    await ok(home, ['devnet', 'fund', 'me', '5']);
    expect(await ok(home, ['wallet', 'balance', 'me'])).toMatchObject({balance: '5'});
    const sent = await ok(home, ['wallet', 'send', 'you', '1', '--wallet', 'me', '--yes']);
    expect(sent).toMatchObject({amount: '1', resumed: false});
    expect(await ok(home, ['wallet', 'balance', 'you'])).toMatchObject({balance: '1'});

    // Told another port: the error names both.
    const wrong = await freePort();
    const miss = await cli(home, ['wallet', 'balance', 'me'], {COCOON_DEVNET_PORT: String(wrong)});
    expect(miss.code).toBe(6);
    expect(miss.stderr).toContain(`No devnet is running at http://127.0.0.1:${wrong}; this COCOON_HOME's devnet runs at http://127.0.0.1:${port}`);

    // Killed and restarted: the same balances.
    process.kill(started.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await ok(home, ['devnet', 'start', '--detach', '--port', String(port)]);
    expect(await ok(home, ['wallet', 'balance', 'you'])).toMatchObject({balance: '1'});
    expect(Number((await ok(home, ['wallet', 'balance', 'me'])).balance)).toBeCloseTo(4 - Number(sent.fee), 9);
  }, 180_000);

  it('an empty wallet is refused before sending: INSUFFICIENT_FUNDS, exit 7, a short message', async () => {
    const home = tempHome();
    const env = {COCOON_DEVNET_PORT: String(await freePort())};
    await ok(home, ['devnet', 'start', '--detach'], env);
    stops.push(() => cli(home, ['devnet', 'stop'], env));
    await ok(home, ['wallet', 'create', 'empty'], env);
    await ok(home, ['wallet', 'create', 'other'], env);
    // Before the fix: exit 6 with a 1.2 KB emulator log.
    const r = await cli(home, ['wallet', 'send', 'other', '1', '--wallet', 'empty', '--yes', '--json'], env);
    expect(r.code).toBe(7);
    expect(r.json.error).toMatchObject({code: 'INSUFFICIENT_FUNDS', message: expect.stringMatching(/holds 0 GRAM.*Nothing was sent/)});
    expect(r.stdout.length).toBeLessThan(600);
  }, 120_000);

  it('a detached start on a corrupt or half-missing state gives CORRUPT_DATA (exit 5) with the reset hint, as the foreground start does', async () => {
    const home = tempHome();
    const env = {COCOON_DEVNET_PORT: String(await freePort())};
    await ok(home, ['devnet', 'start', '--detach'], env);
    await ok(home, ['devnet', 'stop'], env);
    const dir = path.join(home, 'data', 'devnet');
    const state = fs.readFileSync(path.join(dir, 'state.json'), 'utf8');

    fs.writeFileSync(path.join(dir, 'state.json'), state.slice(0, 100));
    // Before the fix: "The devnet exited during start-up (code 1): } | | Node.js v20…", exit 6.
    const corrupt = await cli(home, ['devnet', 'start', '--detach', '--json'], env);
    expect(corrupt.code).toBe(5);
    expect(corrupt.json.error).toMatchObject({code: 'CORRUPT_DATA', hint: expect.stringMatching(/cocoon devnet reset/)});

    fs.rmSync(path.join(dir, 'state.json'));
    // Before the fix: a fresh chain, silently.
    const missing = await cli(home, ['devnet', 'start', '--detach', '--json'], env);
    expect(missing.code).toBe(5);
    expect(missing.json.error).toMatchObject({code: 'CORRUPT_DATA', message: expect.stringMatching(/state\.json is missing, but its transaction log/), hint: expect.stringMatching(/cocoon devnet reset/)});
    expect((await cli(home, ['devnet', 'status', '--json'], env)).json.running).toBe(false);
  }, 120_000);

  it('wallet send whose answer is lost as the chain goes away: "outcome unknown" with seqno and hash; the retry pays nothing twice', async () => {
    const home = tempHome();
    const port = await freePort();
    await ok(home, ['devnet', 'start', '--detach', '--port', String(port)]);
    stops.push(() => cli(home, ['devnet', 'stop']));
    await ok(home, ['wallet', 'create', 'me']);
    await ok(home, ['wallet', 'create', 'you']);
    await ok(home, ['devnet', 'fund', 'me', '5']);
    let endpoint: Awaited<ReturnType<typeof startRoughEndpoint>>;
    endpoint = await startRoughEndpoint({
      target: `http://127.0.0.1:${port}`,
      fault: (m) => {
        if (m !== 'sendBoc') return undefined;
        setImmediate(() => void endpoint.close()); // the message went through; the answer and the chain are gone
        return 'reset-after';
      },
    });
    // Before the fix: CHAIN_UNAVAILABLE "No devnet is running", as when nothing was sent.
    const lost = await cli(home, ['wallet', 'send', 'you', '1', '--wallet', 'me', '--yes', '--json'], {COCOON_DEVNET_PORT: String(endpoint.port)});
    expect(lost.code).toBe(6);
    expect(lost.json.error).toMatchObject({
      code: 'CHAIN_UNAVAILABLE',
      message: expect.stringMatching(/left the wallet \(seqno 0, message hash [0-9a-f]{64}\), but whether it landed is unknown/),
      details: {outcome: 'unknown', seqno: 0},
      hint: expect.stringMatching(/Run the same command again/),
    });
    const retry = await ok(home, ['wallet', 'send', 'you', '1', '--wallet', 'me', '--yes']);
    expect(retry.resumed).toBe(true);
    expect(await ok(home, ['wallet', 'balance', 'you'])).toMatchObject({balance: '1'});
  }, 180_000);
});
