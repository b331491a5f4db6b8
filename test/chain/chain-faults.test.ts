// Chain faults in process, over real sockets: a devnet with a real network's
// manners (latency, toncenter's 429), a rough endpoint in front of it that cuts
// connections, and the client and wallet sender that must live with both.
import path from 'node:path';
import {toNano} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {afterEach, describe, expect, it} from 'vitest';
import {ChainClient} from '../../src/chain/client.js';
import {DevnetServer} from '../../src/devnet/server.js';
import {fundFromFaucet} from '../../src/devnet/faucet.js';
import {sendTon} from '../../src/wallet/transfer.js';
import {walletContract} from '../../src/chain/wallet-contract.js';
import {Outbox} from '../../src/wallet/outbox.js';
import {tempHome} from '../helpers/home.js';
import {startRoughEndpoint, type Fault, type RoughEndpoint} from '../helpers/rough-endpoint.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function devnet(manners?: {latencyMs: number; rateLimit: number}) {
  const server = await DevnetServer.start({dir: path.join(tempHome(), 'devnet'), port: 0, manners});
  cleanup.push(() => server.close());
  return server;
}

async function rough(target: string, options: {latencyMs?: number; rateLimit?: number; fault?: (method: string) => Fault | undefined} = {}) {
  const endpoint = await startRoughEndpoint({target, ...options});
  let closed = false;
  cleanup.push(async () => {
    if (!closed) await endpoint.close();
  });
  return Object.assign(endpoint, {
    async kill() {
      closed = true;
      await endpoint.close();
    },
  }) as RoughEndpoint & {kill(): Promise<void>};
}

async function fundedWallet(url: string, gram: number) {
  const keys = await mnemonicToPrivateKey(await mnemonicNew());
  const address = (await walletContract(keys.publicKey, 'devnet')).address;
  if (gram > 0) await fundFromFaucet({url, address, amount: toNano(gram)});
  return {keyPair: keys, address};
}

describe('the devnet with a real network\'s manners', () => {
  it('delays every JSON-RPC answer and answers 429 in toncenter\'s shape beyond the rate, with Retry-After', async () => {
    const server = await devnet({latencyMs: 100, rateLimit: 1});
    const call = () => fetch(`${server.url}/jsonRPC`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({method: 'getMasterchainInfo', params: {}})});
    const t0 = Date.now();
    const [first, second] = await Promise.all([call(), call()]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 429]);
    const limited = first.status === 429 ? first : second;
    expect(await limited.json()).toEqual({ok: false, error: 'Ratelimit exceed', code: 429});
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('1');
    const info = await (await fetch(`${server.url}/devnet/info`)).json();
    expect(info).toMatchObject({latencyMs: 100, rateLimit: 1});
  });
});

describe('every chain call retries what is safe to retry', () => {
  it('reads through a 1 request/s endpoint all succeed, paced and after Retry-After', async () => {
    const server = await devnet();
    const endpoint = await rough(server.url, {latencyMs: 100, rateLimit: 1});
    const client = await ChainClient.connect({network: 'devnet', endpoint: `${endpoint.url}/jsonRPC`});
    const {address} = await fundedWallet(server.url, 1);
    const t0 = Date.now();
    // Before the fix: "Request failed with status code 429" on the second read.
    const balances = await Promise.all([client.balance(address), client.balance(address), client.state(address), client.ping()]);
    expect(balances[0]).toBe(toNano(1));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500); // four requests at 1/s
    // Every retry after a 429 waited its Retry-After (1 s).
    const ok = endpoint.log.filter((e) => e.status === 200).map((e) => e.at);
    for (let i = 1; i < ok.length; i++) expect(ok[i]! - ok[i - 1]!).toBeGreaterThanOrEqual(900);
  }, 30_000);

  it('a configured rate keeps one process under the limit: no 429 at all', async () => {
    const server = await devnet();
    const endpoint = await rough(server.url, {rateLimit: 2});
    const client = await ChainClient.connect({network: 'devnet', endpoint: `${endpoint.url}/jsonRPC`, rps: 2});
    const {address} = await fundedWallet(server.url, 1);
    await Promise.all(Array.from({length: 5}, () => client.balance(address)));
    expect(endpoint.log.filter((e) => e.status === 429)).toEqual([]);
    expect(endpoint.log).toHaveLength(5);
  }, 30_000);

  it('retries a connection reset on a read', async () => {
    const server = await devnet();
    let cuts = 0;
    const endpoint = await rough(server.url, {fault: (m) => (m === 'getAddressInformation' && cuts++ < 2 ? 'reset-before' : undefined)});
    const client = await ChainClient.connect({network: 'devnet', endpoint: `${endpoint.url}/jsonRPC`});
    const {address} = await fundedWallet(server.url, 3);
    expect(await client.balance(address)).toBe(toNano(3));
    expect(endpoint.log.filter((e) => e.method === 'getAddressInformation').map((e) => e.status)).toEqual([0, 0, 200]);
  });
});

/** A devnet behind an endpoint that cuts the sendBoc connection (before or after the devnet saw it) and then dies; a funded sender through it. */
async function endpointDyingAtSendBoc(cut: 'reset-before' | 'reset-after') {
  const server = await devnet();
  const outbox = new Outbox('devnet', path.join(tempHome(), 'outbox'));
  let endpoint: Awaited<ReturnType<typeof rough>>;
  endpoint = await rough(server.url, {
    fault: (m) => {
      if (m !== 'sendBoc') return undefined;
      setImmediate(() => void endpoint.kill());
      return cut;
    },
  });
  const client = await ChainClient.connect({network: 'devnet', endpoint: `${endpoint.url}/jsonRPC`});
  const from = await fundedWallet(server.url, 5);
  const to = await fundedWallet(server.url, 0);
  const {WalletSender} = await import('../../src/wallet/wallet-sender.js');
  const sender = await WalletSender.create({client, keyPair: from.keyPair, trace: false, outbox});
  return {server, outbox, from, to, sender, WalletSender};
}

describe('wallet sends: refused before sending, never paid twice', () => {
  it('an empty, undeployed wallet is refused with INSUFFICIENT_FUNDS before anything is estimated or sent', async () => {
    const server = await devnet();
    const endpoint = await rough(server.url);
    const client = await ChainClient.connect({network: 'devnet', endpoint: `${endpoint.url}/jsonRPC`});
    const empty = await fundedWallet(server.url, 0);
    const to = await fundedWallet(server.url, 0);
    // Before the fix: CHAIN_ERROR with the emulator's log from estimateFee.
    await expect(sendTon({client, keyPair: empty.keyPair, to: to.address, amount: toNano(1)})).rejects.toMatchObject({code: 'INSUFFICIENT_FUNDS', message: expect.stringMatching(/holds 0 GRAM/)});
    expect(endpoint.log.map((e) => e.method)).not.toContain('estimateFee');
    expect(endpoint.log.map((e) => e.method)).not.toContain('sendBoc');
  });

  it('a lost answer to sendBoc is settled from the chain in the same run: one sendBoc that counts, paid once', async () => {
    const server = await devnet();
    const endpoint = await rough(server.url, {fault: (m) => (m === 'sendBoc' ? 'reset-after' : undefined)});
    const client = await ChainClient.connect({network: 'devnet', endpoint: `${endpoint.url}/jsonRPC`});
    const from = await fundedWallet(server.url, 5);
    const to = await fundedWallet(server.url, 0);
    const result = await sendTon({client, keyPair: from.keyPair, to: to.address, amount: toNano(1)});
    expect(result.resumed).toBe(false);
    expect(await client.balance(to.address)).toBe(toNano(1));
  });

  it('the chain gone right after sendBoc: "outcome unknown" with seqno and hash; the retry checks the seqno and pays nothing twice', async () => {
    // The endpoint dies ~at once after the message went through.
    const {server, outbox, from, to, sender, WalletSender} = await endpointDyingAtSendBoc('reset-after');
    // Before the fix: CHAIN_UNAVAILABLE "No devnet is running", as if nothing had been sent.
    const error = await sender.send({to: to.address, value: toNano(1), bounce: false}).catch((e: unknown) => e);
    expect(error).toMatchObject({code: 'CHAIN_UNAVAILABLE', message: expect.stringMatching(/whether it landed is unknown/), details: {outcome: 'unknown', seqno: 0, messageHash: expect.stringMatching(/^[0-9a-f]{64}$/)}});
    expect(await (await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`})).balance(to.address)).toBe(toNano(1));

    // The user runs the same command again once the chain answers.
    const healthy = await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`});
    const retry = await WalletSender.create({client: healthy, keyPair: from.keyPair, trace: false, outbox});
    await retry.send({to: to.address, value: toNano(1), bounce: false});
    expect(retry.last?.resumed).toBe(true);
    expect(await healthy.balance(to.address)).toBe(toNano(1));
    // And a new transfer after that is a new transfer.
    await retry.send({to: to.address, value: toNano(1), bounce: false});
    expect(retry.last?.resumed).toBe(false);
    // Two transfers; an undeployed account pays a nanoGRAM or so of storage between them.
    expect(toNano(2) - (await healthy.balance(to.address))).toBeLessThan(1000n);
  }, 30_000);

  it('a message that never arrived (cut before the devnet saw it) and a dead endpoint: the retry pushes the same message, which lands once', async () => {
    const {server, outbox, from, to, sender, WalletSender} = await endpointDyingAtSendBoc('reset-before');
    await expect(sender.send({to: to.address, value: toNano(1), bounce: false})).rejects.toMatchObject({details: {outcome: 'unknown'}});
    const healthy = await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`});
    expect(await healthy.balance(to.address)).toBe(0n);
    const retry = await WalletSender.create({client: healthy, keyPair: from.keyPair, trace: false, outbox});
    await retry.send({to: to.address, value: toNano(1), bounce: false});
    expect(retry.last?.resumed).toBe(true);
    expect(await healthy.balance(to.address)).toBe(toNano(1));
  }, 30_000);
});
