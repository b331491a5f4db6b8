// Shared fixtures for the contract tests: fresh chains, keys and sample records.
import {createHash, randomBytes} from 'node:crypto';
import {toNano, type Address} from '@ton/core';
import {Blockchain, type SandboxContract, type TreasuryContract} from '@ton/sandbox';
import {ed25519PublicKey} from '../../src/crypto/ed25519.js';
import {Channel} from '../../src/chain/contracts/channel.js';
import {gasFee, parseGasPrices, type GasPrices} from '../../src/chain/contracts/fees.js';
import {Registry} from '../../src/chain/contracts/registry.js';
import type {ProviderProfile, RegistryParams} from '../../src/chain/contracts/registry-codec.js';

/** A fixed clock start, so unlock times are predictable. */
export const T0 = 1_800_000_000;

/** An Ed25519 key pair made with node:crypto. */
export function keyPair(): {secretKey: Buffer; publicKey: Buffer} {
  const secretKey = randomBytes(32);
  return {secretKey, publicKey: ed25519PublicKey(secretKey)};
}

/** A plausible provider profile; `overrides` replace fields. */
export function sampleProfile(overrides: Partial<ProviderProfile> = {}): ProviderProfile {
  return {
    nodeKey: randomBytes(32),
    encryptionKey: randomBytes(32),
    endpoint: 'http://203.0.113.7:8080',
    architecture: 'llama',
    model: 'stories260K',
    modelHash: createHash('sha256').update('stories260K.gguf').digest(),
    contextSize: 2048,
    queriesPerDay: 5000,
    promptPrice: 10n,
    completionPrice: 40n,
    ...overrides,
  };
}

/** The basechain gas fee for `gas` units under the chain's own config. */
export function feeFor(blockchain: Blockchain, gas: number): bigint {
  return gasFee(gas, gasPricesOf(blockchain));
}

/** Basechain gas prices from the sandbox's config. */
export function gasPricesOf(blockchain: Blockchain): GasPrices {
  return parseGasPrices(blockchain.config);
}

/** A chain with a deployed registry, its owner and two provider wallets. */
export interface RegistryWorld {
  blockchain: Blockchain;
  owner: SandboxContract<TreasuryContract>;
  alice: SandboxContract<TreasuryContract>;
  bob: SandboxContract<TreasuryContract>;
  registry: SandboxContract<Registry>;
  params: RegistryParams;
}

/** Test registry parameters. */
export const TEST_PARAMS: RegistryParams = {minStake: toNano('1'), unbondingDelay: 600};

/** A fresh chain with a deployed registry. */
export async function registryWorld(): Promise<RegistryWorld> {
  const blockchain = await Blockchain.create();
  blockchain.now = T0;
  const owner = await blockchain.treasury('owner');
  const alice = await blockchain.treasury('alice');
  const bob = await blockchain.treasury('bob');
  const registry = blockchain.openContract(Registry.createFromConfig({owner: owner.address, params: TEST_PARAMS}));
  await registry.sendDeploy(owner.getSender(), toNano('1'));
  return {blockchain, owner, alice, bob, registry, params: TEST_PARAMS};
}

/** A chain with consumer and provider wallets and their (not yet opened) channel. */
export interface ChannelWorld {
  blockchain: Blockchain;
  consumer: SandboxContract<TreasuryContract>;
  provider: SandboxContract<TreasuryContract>;
  stranger: SandboxContract<TreasuryContract>;
  channel: SandboxContract<Channel>;
  /** Consumer's voucher key. */
  keys: {secretKey: Buffer; publicKey: Buffer};
  closeDelay: number;
}

/** A fresh chain and an unopened channel; `closeDelay` defaults to an hour. */
export async function channelWorld(closeDelay = 3600): Promise<ChannelWorld> {
  const blockchain = await Blockchain.create();
  blockchain.now = T0;
  const consumer = await blockchain.treasury('consumer');
  const provider = await blockchain.treasury('provider');
  const stranger = await blockchain.treasury('stranger');
  const keys = keyPair();
  const channel = blockchain.openContract(
    Channel.createFromConfig({consumer: consumer.address, provider: provider.address, consumerKey: keys.publicKey, closeDelay}),
  );
  return {blockchain, consumer, provider, stranger, channel, keys, closeDelay};
}

/** Short for an address's friendly form in failure messages. */
export function str(a: Address): string {
  return a.toString();
}
