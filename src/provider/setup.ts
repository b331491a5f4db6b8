import fs from 'node:fs';
import type {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import type {Settings} from '../config/settings.js';
import {ChainClient} from '../chain/client.js';
import {explainExit} from '../chain/exit-messages.js';
import {registryAddress} from '../chain/registry-address.js';
import {walletContract} from '../chain/wallet-contract.js';
import {generateNodeKey, loadNodeKey, nodeKeyPath, saveNodeKey, type NodeKey} from '../crypto/node-key.js';
import {WalletStore} from '../wallet/store.js';
import {unlockWallet} from '../wallet/service.js';
import {WalletSender} from '../wallet/wallet-sender.js';
import type {RegistryAccess} from './registration.js';

/** The chain and the registry of the selected network. */
export interface ChainAccess {
  client: ChainClient;
  registry: Address;
}

/** Connect to the selected network and find its registry. */
export async function openChain(settings: Settings): Promise<ChainAccess> {
  const client = await ChainClient.fromSettings(settings);
  return {client, registry: await registryAddress(settings)};
}

/** The address of a stored wallet on the selected network (no password needed). */
export async function walletAddress(settings: Settings, name: string): Promise<Address> {
  const keystore = new WalletStore().load(name);
  return (await walletContract(Buffer.from(keystore.publicKey, 'hex'), settings.get('network'))).address;
}

/** Registry access signed by a stored wallet, unlocked with `password`. */
export async function openRegistryAccess(settings: Settings, options: {wallet: string; password: string}): Promise<RegistryAccess> {
  const chain = await openChain(settings);
  const unlocked = await unlockWallet(new WalletStore(), options.wallet, options.password);
  const sender = await WalletSender.create({client: chain.client, keyPair: unlocked, explainExit});
  return {...chain, sender};
}

/** The node key on this machine, created (and saved encrypted) on first use. */
export async function loadOrCreateNodeKey(password: string): Promise<{key: NodeKey; created: boolean; path: string}> {
  const file = nodeKeyPath();
  if (fs.existsSync(file)) return {key: await loadNodeKey({password}), created: false, path: file};
  const key = await generateNodeKey();
  await saveNodeKey(key, {password});
  return {key, created: true, path: file};
}

/** Refuse early with a clear message when there is no node key yet. */
export function requireNodeKey(): void {
  if (!fs.existsSync(nodeKeyPath())) {
    throw new CocoonError('NOT_FOUND', 'This machine has no provider node key yet.', {hint: 'Run `cocoon provide register` first (it creates one).'});
  }
}
