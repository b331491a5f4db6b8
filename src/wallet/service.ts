import {CocoonError} from '../errors.js';
import type {NetworkName} from '../config/settings.js';
import type {Address} from '@ton/core';
import {WALLET_NAME, createKeystore, normalizeWords, unlockKeystore, type Keystore, type UnlockedWallet} from '../crypto/keystore.js';
import {formatAddress, walletContract} from '../chain/wallet-contract.js';
import type {WalletStore} from './store.js';

/** What commands show of a wallet: never a secret. */
export interface WalletView {
  name: string;
  /** Address on the selected network. */
  address: string;
  network: NetworkName;
  /** Addresses on each network (mainnet differs: network id is part of the v5r1 wallet id). */
  addresses: {mainnet: string; testnet: string; devnet: string};
  publicKey: string;
  createdAt: string;
  keystore: string;
}

/** Public view of a keystore on `network`. */
export async function walletView(keystore: Keystore, network: NetworkName, file: string): Promise<WalletView> {
  const publicKey = Buffer.from(keystore.publicKey, 'hex');
  const addressOn = async (n: NetworkName) => formatAddress((await walletContract(publicKey, n)).address, n);
  const addresses = {mainnet: await addressOn('mainnet'), testnet: await addressOn('testnet'), devnet: await addressOn('devnet')};
  return {name: keystore.name, address: addresses[network], network, addresses, publicKey: keystore.publicKey, createdAt: keystore.createdAt, keystore: file};
}

/** Options for addWallet. */
export interface AddWalletOptions {
  store: WalletStore;
  name: string;
  password: string;
  /** Mnemonic to import (text as typed); omitted: a new 24-word mnemonic is generated. */
  mnemonic?: string;
  network: NetworkName;
}

/** Create or import a wallet into the store; returns its public view. */
export async function addWallet(options: AddWalletOptions): Promise<WalletView> {
  const {store, name} = options;
  // Fail on a taken name before any slow key derivation.
  store.assertAvailable(name);
  let words: string[];
  if (options.mnemonic === undefined) {
    const {mnemonicNew} = await import('@ton/crypto');
    words = await mnemonicNew(24);
  } else {
    words = normalizeWords(options.mnemonic);
  }
  const keystore = await createKeystore({name, words, password: options.password});
  const file = store.add(keystore);
  return walletView(keystore, options.network, file);
}

/** Unlock a stored wallet with its password. */
export async function unlockWallet(store: WalletStore, name: string, password: string): Promise<UnlockedWallet & {keystore: Keystore}> {
  const keystore = store.load(name);
  return {...(await unlockKeystore(keystore, password)), keystore};
}

/**
 * An address typed by the user, or the name of one of their wallets, as an
 * address on `network`. Input that is neither gets one clear error.
 */
export async function resolveAddressOrWallet(text: string, store: WalletStore, network: NetworkName): Promise<Address> {
  const {looksLikeAddress, parseAddress} = await import('../chain/units.js');
  if (looksLikeAddress(text)) return parseAddress(text);
  if (WALLET_NAME.test(text) && store.has(text)) {
    return (await walletContract(Buffer.from(store.load(text).publicKey, 'hex'), network)).address;
  }
  const names = store.names();
  throw new CocoonError('INVALID_INPUT', `"${text}" is neither a TON address nor the name of one of your wallets.`, {
    hint: `Use a user-friendly address (0Q…/UQ…/EQ…) or raw 0:<64 hex>${names.length > 0 ? `, or one of: ${names.join(', ')}` : ''}.`,
  });
}
