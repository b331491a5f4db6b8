// A private market on a devnet for provider/consumer tests: chain, funded
// wallets, a registered provider, and channels, all through production code.
import {randomBytes} from 'node:crypto';
import path from 'node:path';
import {toNano, type Address} from '@ton/core';
import {mnemonicNew, mnemonicToPrivateKey} from '@ton/crypto';
import {ChainClient} from '../../src/chain/client.js';
import {Channel} from '../../src/chain/contracts/channel.js';
import {ProviderClient} from '../../src/consumer/client.js';
import {DevnetServer} from '../../src/devnet/server.js';
import {fundFromFaucet} from '../../src/devnet/faucet.js';
import {parseAddress} from '../../src/chain/units.js';
import {ed25519PublicKey} from '../../src/crypto/ed25519.js';
import {generateNodeKey, type NodeKey} from '../../src/crypto/node-key.js';
import {modelSha256} from '../../src/inference/hash.js';
import {buildProfile, registerProvider, type OfferInput} from '../../src/provider/registration.js';
import {NullEngine} from '../../src/provider/null-engine.js';
import type {ProviderNodeOptions} from '../../src/provider/node.js';
import {WalletSender} from '../../src/wallet/wallet-sender.js';
import {explainExit} from '../../src/chain/exit-messages.js';
import {tempHome} from '../helpers/home.js';

/** A funded wallet with a sender. */
export interface TestWallet {
  keys: {publicKey: Buffer; secretKey: Buffer};
  sender: WalletSender;
  address: Address;
}

/** A devnet with its client. */
export interface TestChain {
  dir: string;
  server: DevnetServer;
  client: ChainClient;
  registry: Address;
  wallet(ton?: number): Promise<TestWallet>;
  close(): Promise<void>;
}

/** Start a devnet in a temporary directory; `now` runs its clock (and its wallets' message validity) elsewhere than the wall clock. */
export async function startChain(dir = path.join(tempHome(), 'devnet'), options: {now?: () => number} = {}): Promise<TestChain> {
  const server = await DevnetServer.start({dir, port: 0, ...(options.now ? {now: options.now} : {})});
  const client = await ChainClient.connect({network: 'devnet', endpoint: `${server.url}/jsonRPC`});
  return {
    dir,
    server,
    client,
    registry: parseAddress(server.info().contracts.registry!),
    async wallet(ton = 20) {
      const keys = await mnemonicToPrivateKey(await mnemonicNew());
      const sender = await WalletSender.create({client, keyPair: keys, explainExit, pollMs: 20, ...(options.now ? {now: options.now} : {})});
      await fundFromFaucet({url: server.url, address: sender.address, amount: toNano(ton)});
      return {keys, sender, address: sender.address};
    },
    close: () => server.close(),
  };
}

/** The offer a test provider makes for `modelPath`. */
export async function testOffer(modelPath: string, endpoint = 'http://127.0.0.1:1'): Promise<OfferInput> {
  return {
    model: path.basename(modelPath, '.gguf'),
    architecture: 'llama',
    modelSha256: await modelSha256(modelPath),
    contextSize: 256,
    queriesPerDay: 10_000,
    promptPrice: 2000n,
    completionPrice: 100_000n,
    endpoint,
  };
}

/**
 * What startProviderNode needs to serve a provider registered by
 * registerTestProvider: the null engine (a 4-token answer) behind the real
 * model file's hash, a fresh ledger, a 100 GRAM claim threshold and a 200 ms
 * settle timer; `overrides` replaces any of it.
 */
export function testNodeOptions(chain: TestChain, provider: Awaited<ReturnType<typeof registerTestProvider>>, modelPath: string, overrides: Partial<ProviderNodeOptions> = {}): ProviderNodeOptions {
  return {
    client: chain.client,
    registry: chain.registry,
    wallet: provider.wallet.address,
    nodeKey: provider.nodeKey,
    modelPath,
    createEngine: async (o) => new NullEngine({name: o.name, tokens: 4}),
    hashModel: (p) => modelSha256(p),
    ledgerDir: path.join(tempHome(), 'ledger'),
    claimThreshold: toNano(100),
    settleIntervalMs: 200,
    ...overrides,
  };
}

/** Register a provider wallet with a node key. */
export async function registerTestProvider(chain: TestChain, modelPath: string, stake = toNano(2)) {
  const wallet = await chain.wallet();
  const nodeKey: NodeKey = await generateNodeKey();
  const record = await registerProvider(
    {client: chain.client, registry: chain.registry, sender: wallet.sender},
    {profile: buildProfile(await testOffer(modelPath), nodeKey), stake},
  );
  return {wallet, nodeKey, record};
}

/** A consumer with an open channel to `provider`. */
export async function openTestChannel(chain: TestChain, provider: Address, deposit = toNano(1), closeDelay = 3600) {
  const consumer = await chain.wallet();
  const voucherKey = randomBytes(32);
  const channel = chain.client.ton.open(
    Channel.createFromConfig({consumer: consumer.address, provider, consumerKey: ed25519PublicKey(voucherKey), closeDelay}),
  );
  await channel.sendOpen(consumer.sender, {value: deposit});
  return {consumer, voucherKey, channel};
}

/** A consumer's client of a running node over the channel openTestChannel opened. */
export function nodeClient(endpoint: string, nodeKey: NodeKey, channel: {channel: {address: Address}; voucherKey: Uint8Array}): ProviderClient {
  return new ProviderClient({
    endpoint,
    provider: {x25519PublicKey: nodeKey.x25519PublicKey, ed25519PublicKey: nodeKey.ed25519PublicKey},
    channel: channel.channel.address,
    voucherKey: channel.voucherKey,
  });
}
