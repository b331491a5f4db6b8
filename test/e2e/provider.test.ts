import {randomBytes} from 'node:crypto';
import {toNano, type Address} from '@ton/core';
import {mnemonicNew} from '@ton/crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ChainClient} from '../../src/chain/client.js';
import {Channel} from '../../src/chain/contracts/channel.js';
import {fundFromFaucet} from '../../src/devnet/faucet.js';
import {explainExit} from '../../src/chain/exit-messages.js';
import {parseAddress} from '../../src/chain/units.js';
import {ed25519PublicKey} from '../../src/crypto/ed25519.js';
import {ProviderClient} from '../../src/consumer/client.js';
import {WalletSender} from '../../src/wallet/wallet-sender.js';
import {mnemonicToPrivateKey} from '@ton/crypto';
import {runCli} from '../helpers/cli.js';
import {freePort} from '../helpers/disk.js';
import {tempHome} from '../helpers/home.js';
import {startBackground, type Background} from '../helpers/process.js';
import {testModel} from '../inference/model.js';
import {writeTinyGguf} from '../helpers/tiny-gguf.js';

const home = tempHome();
const model = testModel();
let env: Record<string, string>;
let client: ChainClient;
let devnetUrl: string;
let nodePort: number;
let node: Background | undefined;

async function ok(args: string[], extra: Record<string, string> = {}) {
  const r = await runCli([...args, '--json'], {home, env: {...env, ...extra}, timeoutMs: 120_000});
  if (r.code !== 0) throw new Error(`cocoon ${args.join(' ')} → ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.json;
}

async function startNode(): Promise<Background> {
  // Proof of work on: consumers that read /v1/info solve it, others get POW_REQUIRED.
  node = await startBackground(['provide', 'start', '--threads', '1', '--settle-interval', '3600', '--pow-difficulty', '8', '--max-waived', '2'], {home, env, ready: /serving \S+/});
  return node;
}

/** A funded consumer with an open channel to `provider`, and a protocol client for its node (record as `provide status --json` shows it). */
async function consumerWithChannel(provider: Address, record: {endpoint: string; encryptionKey: string; nodeKey: string}) {
  const keys = await mnemonicToPrivateKey(await mnemonicNew());
  const sender = await WalletSender.create({client, keyPair: keys, explainExit, pollMs: 20});
  await fundFromFaucet({url: devnetUrl, address: sender.address, amount: toNano(5)});
  const voucherKey = randomBytes(32);
  const channel = client.ton.open(Channel.createFromConfig({consumer: sender.address, provider, consumerKey: ed25519PublicKey(voucherKey), closeDelay: 3600}));
  await channel.sendOpen(sender, {value: toNano(1)});
  const consumer = new ProviderClient({
    endpoint: record.endpoint,
    provider: {x25519PublicKey: Buffer.from(record.encryptionKey, 'hex'), ed25519PublicKey: Buffer.from(record.nodeKey, 'hex')},
    channel: channel.address,
    voucherKey,
  });
  expect((await consumer.info()).pow.difficulty).toBe(8);
  return {channel, consumer, voucherKey};
}

beforeAll(async () => {
  const port = await freePort();
  nodePort = await freePort();
  env = {COCOON_DEVNET_PORT: String(port), COCOON_WALLET_PASSWORD: 'wallet-pw', COCOON_NODE_PASSWORD: 'node-pw', COCOON_INFERENCE_GPU: 'off'};
  await ok(['devnet', 'start', '--detach']);
  devnetUrl = `http://127.0.0.1:${port}`;
  client = await ChainClient.connect({network: 'devnet', endpoint: `${devnetUrl}/jsonRPC`});
  await ok(['wallet', 'create', 'gpu']);
  await ok(['devnet', 'fund', 'gpu', '10']);
});

afterAll(async () => {
  node?.child.kill('SIGKILL');
  await runCli(['devnet', 'stop'], {home, env});
});

describe('provide, through the CLI on the devnet', () => {
  const offer = () => ['--model', model, '--stake', '2', '--price-prompt', '2', '--price-completion', '100', '--port', String(nodePort), '--endpoint', `http://127.0.0.1:${nodePort}`, '--yes'];

  it('refuses bad registrations clearly: low stake, missing model', async () => {
    const low = await runCli(['provide', 'register', ...offer().map((a) => (a === '2' ? '0.5' : a))], {home, env});
    expect(low.code).toBe(2);
    expect(low.stderr).toMatch(/below the registry minimum of 1 GRAM/);
    const missing = await runCli(['provide', 'register', ...offer().map((a) => (a === model ? '/nope/model.gguf' : a))], {home, env});
    expect(missing.code).toBe(8);
    expect(missing.stderr).toMatch(/Model not found: \/nope\/model\.gguf/);
  });

  it('registers (warning that the endpoint does not answer yet), then refuses to register twice', async () => {
    const r = await runCli(['provide', 'register', ...offer()], {home, env});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/does not answer yet/);
    expect(r.stdout).toMatch(/prices\s+2 GRAM \/ 1M prompt tokens, 100 GRAM \/ 1M completion tokens/);
    const twice = await runCli(['provide', 'register', ...offer()], {home, env});
    expect(twice.code).toBe(3);
    expect(twice.stderr).toMatch(/already registered[\s\S]*provide update/);
  });

  it('shows the prepaid rent and renews it: exactly the days asked, never past 10 years', async () => {
    const before = (await ok(['provide', 'status'])).registration.rent;
    expect(before).toMatchObject({state: 'paid'});
    expect(before.daysLeft).toBeGreaterThanOrEqual(364);
    const text = await runCli(['provide', 'status'], {home, env});
    expect(text.stdout).toMatch(/rent\s+paid until \d{4}-\d\d-\d\d \(36\d days\)/);
    const renewed = await ok(['provide', 'renew', '--days', '30']);
    expect(renewed.paidUntilBefore).toBe(before.paidUntil);
    const added = (Date.parse(renewed.paidUntil) - Date.parse(before.paidUntil)) / 1000;
    expect(added).toBeGreaterThanOrEqual(30 * 86_400);
    expect(added).toBeLessThan(30 * 86_400 + 120);
    expect(Number(renewed.paid)).toBeGreaterThan(0);
    expect(Number(renewed.paid)).toBeLessThan(0.01);
    const far = await runCli(['provide', 'renew', '--days', '3650'], {home, env});
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/At most 10 years of rent may be prepaid[\s\S]*--days \d+ or fewer/);
    expect((await ok(['provide', 'status'])).registration.rent.paidUntil).toBe(renewed.paidUntil);
  });

  it('serves five paid queries; status and claim agree with the receipts to the nanoTON', async () => {
    await startNode();
    const status0 = await ok(['provide', 'status']);
    expect(status0.node.running).toBe(true);
    const record = status0.registration;
    const provider = parseAddress(status0.wallet.address);
    const {channel, consumer, voucherKey} = await consumerWithChannel(provider, record);
    const noPow = new ProviderClient({
      endpoint: record.endpoint,
      provider: {x25519PublicKey: Buffer.from(record.encryptionKey, 'hex'), ed25519PublicKey: Buffer.from(record.nodeKey, 'hex')},
      channel: channel.address,
      voucherKey,
      powDifficulty: 0,
    });
    await expect(noPow.query({model: record.model, prompt: 'Once', maxTokens: 5, maxPrice: {prompt: 2000n, completion: 100_000n}}).result()).rejects.toMatchObject({details: {wireCode: 'POW_REQUIRED'}});
    let receipts = 0n;
    for (let i = 0; i < 5; i++) {
      const result = await consumer.query({model: record.model, prompt: 'Once upon a time', maxTokens: 20, maxPrice: {prompt: 2000n, completion: 100_000n}}).result();
      expect(result.voucherPosted).toBe(true);
      receipts += result.cost;
    }
    const status = await ok(['provide', 'status']);
    expect(status.node.queries).toBe(5);
    expect(BigInt(status.earnings.earnedNano)).toBe(receipts);
    expect(status.earnings.claimedNano).toBe('0');
    expect(status.waived).toBe(0);
    expect(status.channels[0].waived).toBe(0);
    const text = await runCli(['provide', 'status'], {home, env});
    expect(text.stdout).toMatch(/waived\s+0 charges/);

    const before = await client.balance(provider);
    const claim = await ok(['provide', 'claim']);
    expect(claim.claims).toEqual([expect.objectContaining({outcome: 'claimed'})]);
    const after = await client.balance(provider);
    const [claimTx] = await client.ton.getTransactions(channel.address, {limit: 1});
    const payout = [...claimTx!.outMessages.values()][0]!;
    const delivered = payout.info.type === 'internal' ? payout.info.value.coins : 0n;
    const [receiveTx] = await client.ton.getTransactions(provider, {limit: 1});
    expect(after - before).toBe(receipts - (receipts - delivered + receiveTx!.totalFees.coins));
    expect(receipts - (after - before)).toBeLessThan(toNano('0.005'));
    const settled = await ok(['provide', 'status']);
    expect(BigInt(settled.earnings.claimedNano)).toBe(receipts);
    expect(settled.earnings.unclaimed).toBe('0');
    expect((await ok(['provide', 'claim'])).claims[0].outcome).toBe('nothing-new');
  });

  it('killed mid-stream and restarted, it still claims the last accepted voucher, once', async () => {
    const status0 = await ok(['provide', 'status']);
    const record = status0.registration;
    const provider = parseAddress(status0.wallet.address);
    const {channel, consumer} = await consumerWithChannel(provider, record);
    const maxPrice = {prompt: 2000n, completion: 100_000n};
    // Enough paid answers to be worth a claim (the settler skips claims below 0.005 TON).
    let paid = 0n;
    for (let i = 0; i < 20 && paid < toNano('0.02'); i++) paid = (await consumer.query({model: record.model, prompt: 'The dog', maxTokens: 60, maxPrice}).result()).total;
    expect(paid).toBeGreaterThanOrEqual(toNano('0.02'));
    const stream = consumer.query({model: record.model, prompt: 'Once upon a time', maxTokens: 2000, maxPrice, params: {temperature: 1}});
    const failed = (async () => {
      for await (const piece of stream) {
        if (piece) node!.child.kill('SIGKILL');
      }
    })();
    await expect(failed).rejects.toMatchObject({code: expect.stringMatching(/PROTOCOL_ERROR|PROVIDER_UNAVAILABLE|ABORTED/)});
    expect(await consumer.paid()).toBe(paid); // no voucher for the interrupted answer
    await node!.exited;

    await startNode();
    const claim = await ok(['provide', 'claim']);
    const mine = claim.claims.find((c: {channel: string}) => parseAddress(c.channel).equals(channel.address));
    expect(mine).toMatchObject({outcome: 'claimed'});
    expect((await channel.getState()).paid).toBe(paid);
    const again = await ok(['provide', 'claim']);
    expect(again.claims.every((c: {outcome: string}) => c.outcome === 'nothing-new')).toBe(true);
  });

  it('stops cleanly on SIGINT, and refuses to start with a model that differs from the registration', async () => {
    node!.child.kill('SIGINT');
    expect(await node!.exited).toBe(0);
    expect(node!.output()).toMatch(/stopped/);
    const other = writeTinyGguf({seed: 11});
    const r = await runCli(['provide', 'start', '--model', other], {home, env});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SHA-256 .* differs from this wallet's registration[\s\S]*provide update/);
  });
});
