// A half-done channel open, recorded before sending, settled on the next run
// from what the chain shows: the flow `ask` runs (store.get ?? openChannel,
// then viewChannel) never strands the user with a channel that is not deployed.
import path from 'node:path';
import {toNano, type Address} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {afterEach, describe, expect, it} from 'vitest';
import {ChainClient} from '../../src/chain/client.js';
import {walletContract} from '../../src/chain/wallet-contract.js';
import {ChannelStore} from '../../src/consumer/channel-store.js';
import {closeChannel, openChannel, topUpChannel, viewChannel} from '../../src/consumer/channels.js';
import {generateNodeKey} from '../../src/crypto/node-key.js';
import {parseAddress} from '../../src/chain/units.js';
import {buildProfile, registerProvider} from '../../src/provider/registration.js';
import {DevnetServer} from '../../src/devnet/server.js';
import {fundFromFaucet} from '../../src/devnet/faucet.js';
import {Outbox} from '../../src/wallet/outbox.js';
import {WalletSender} from '../../src/wallet/wallet-sender.js';
import {tempHome} from '../helpers/home.js';
import {startRoughEndpoint, type Fault} from '../helpers/rough-endpoint.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function world() {
  const home = tempHome();
  const server = await DevnetServer.start({dir: path.join(home, 'devnet'), port: 0});
  cleanup.push(() => server.close());
  const keys = await mnemonicToPrivateKey(await mnemonicNew());
  const me = (await walletContract(keys.publicKey, 'devnet')).address;
  await fundFromFaucet({url: server.url, address: me, amount: toNano(10)});
  const provider = (await walletContract((await mnemonicToPrivateKey(await mnemonicNew())).publicKey, 'devnet')).address;
  const store = new ChannelStore('devnet', path.join(home, 'channels'));
  const outbox = new Outbox('devnet', path.join(home, 'outbox'));
  const healthy = await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`});
  const sender = async (client: ChainClient) => WalletSender.create({client, keyPair: keys, outbox});
  /** One run whose endpoint applies `fault` to sendBoc and then dies. */
  const brokenRun = async (fault: Fault) => {
    let endpoint: Awaited<ReturnType<typeof startRoughEndpoint>>;
    let dead = false;
    endpoint = await startRoughEndpoint({
      target: server.url,
      fault: (m) => {
        if (m !== 'sendBoc') return undefined;
        dead = true;
        setImmediate(() => void endpoint.close());
        return fault;
      },
    });
    cleanup.push(async () => {
      if (!dead) await endpoint.close();
    });
    return ChainClient.connect({network: 'devnet', endpoint: `${endpoint.url}/jsonRPC`});
  };
  /** What ask does with a provider: use the stored channel, or open one; then read it. */
  const askFlow = async (client: ChainClient, p: Address) => {
    const s = await sender(client);
    const record = store.get(p.toRawString()) ?? (await openChannel({client, store, sender: s, walletName: 'me', provider: p, deposit: toNano(1)}));
    return viewChannel(client, record);
  };
  return {server, me, keys, provider, store, outbox, healthy, sender, brokenRun, askFlow};
}

describe('a half-done channel open is settled on the next run', () => {
  it('never sent (the endpoint died first): the next run opens it with the same key, and uses it', async () => {
    const w = await world();
    const broken = await w.brokenRun('reset-before');
    await expect(w.askFlow(broken, w.provider)).rejects.toMatchObject({details: {outcome: 'unknown'}, message: expect.stringMatching(/^Opening the channel/)});
    const half = w.store.find(w.provider.toRawString())!;
    expect(half.pending).toMatchObject({op: 'open', amount: toNano(1).toString()});
    // Before the fix: the record was used as it was, "The channel to this provider is not deployed", for good.
    const view = await w.askFlow(w.healthy, w.provider);
    expect(view.state).toBe('open');
    expect(view.record.channel).toBe(half.channel);
    expect(view.record.voucherKey).toBe(half.voucherKey);
    expect(w.store.get(w.provider.toRawString())?.pending).toBeUndefined();
    expect(view.deposited).toBeGreaterThan(toNano(0.9));
    expect(view.deposited).toBeLessThan(toNano(1));
  }, 30_000);

  it('landed, but the answer was lost: the next run uses the channel and sends nothing', async () => {
    const w = await world();
    const broken = await w.brokenRun('reset-after');
    await expect(w.askFlow(broken, w.provider)).rejects.toMatchObject({details: {outcome: 'unknown'}});
    const balance = await w.healthy.balance(w.me);
    const view = await w.askFlow(w.healthy, w.provider);
    expect(view.state).toBe('open');
    expect(view.deposited).toBeLessThan(toNano(1)); // one deposit, not two
    expect(await w.healthy.balance(w.me)).toBe(balance);
  }, 30_000);

  it('close of an open that never landed forgets the channel (nothing is on chain)', async () => {
    const w = await world();
    const broken = await w.brokenRun('reset-before');
    await expect(w.askFlow(broken, w.provider)).rejects.toMatchObject({details: {outcome: 'unknown'}});
    const record = w.store.find(w.provider.toRawString())!;
    const s = await w.sender(w.healthy);
    // The wallet's message is still valid: say so rather than forget a key that may yet hold money.
    await expect(closeChannel({client: w.healthy, record, sender: s, store: w.store})).rejects.toMatchObject({details: {outcome: 'unknown'}});
    new Outbox('devnet', path.join(path.dirname(w.store.dir), 'outbox')).clear(w.me.toRawString());
    expect(await closeChannel({client: w.healthy, record, sender: s, store: w.store})).toEqual({action: 'forgotten'});
    expect(w.store.find(w.provider.toRawString())).toBeUndefined();
  }, 30_000);
});

describe('a half-done top-up or registration is settled on the next run', () => {
  it('a top-up whose answer was lost is recorded, and its retry adds the money once', async () => {
    const w = await world();
    const view = await w.askFlow(w.healthy, w.provider);
    const broken = await w.brokenRun('reset-after');
    await expect(topUpChannel({client: broken, record: view.record, sender: await w.sender(broken), amount: toNano(1), store: w.store})).rejects.toMatchObject({
      details: {outcome: 'unknown'},
      message: expect.stringMatching(/^Topping up the channel/),
    });
    expect(w.store.find(w.provider.toRawString())?.pending).toMatchObject({op: 'topup'});
    const s = await w.sender(w.healthy);
    await topUpChannel({client: w.healthy, record: w.store.get(w.provider.toRawString())!, sender: s, amount: toNano(1), store: w.store});
    expect(s.last?.resumed).toBe(true);
    const after = await viewChannel(w.healthy, w.store.get(w.provider.toRawString())!);
    expect(after.deposited - view.deposited).toBeGreaterThan(toNano(0.9));
    expect(after.deposited - view.deposited).toBeLessThan(toNano(1));
    expect(after.record.pending).toBeUndefined();
  }, 30_000);

  it('a registration whose answer was lost: the retry returns the record instead of ALREADY_EXISTS, and pays nothing', async () => {
    const w = await world();
    const registry = parseAddress(w.server.info().contracts.registry!);
    const profile = buildProfile(
      {model: 'm', architecture: 'llama', modelSha256: 'ab'.repeat(32), contextSize: 256, queriesPerDay: 100, promptPrice: 1n, completionPrice: 1n, endpoint: 'http://127.0.0.1:1'},
      await generateNodeKey(),
    );
    const broken = await w.brokenRun('reset-after');
    await expect(registerProvider({client: broken, registry, sender: await w.sender(broken)}, {profile, stake: toNano(2)})).rejects.toMatchObject({details: {outcome: 'unknown'}});
    const balance = await w.healthy.balance(w.me);
    // Before the fix: ALREADY_EXISTS "This wallet is already registered", as if someone else had.
    const record = await registerProvider({client: w.healthy, registry, sender: await w.sender(w.healthy)}, {profile, stake: toNano(2)});
    expect(record.status).toBe('active');
    expect(await w.healthy.balance(w.me)).toBe(balance);
    // A deliberate second registration is still refused.
    await expect(registerProvider({client: w.healthy, registry, sender: await w.sender(w.healthy)}, {profile, stake: toNano(2)})).rejects.toMatchObject({code: 'ALREADY_EXISTS'});
  }, 30_000);
});
