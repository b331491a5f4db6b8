import type {Address} from '@ton/core';
import type {WalletContractV5R1} from '@ton/ton';
import type {NetworkName} from '../config/settings.js';
import {NETWORK_GLOBAL_ID, isTestNetwork} from './networks.js';

/** The v5r1 wallet of `publicKey` on `network` (the address differs between mainnet and testnet). */
export async function walletContract(publicKey: Buffer, network: NetworkName): Promise<WalletContractV5R1> {
  const {WalletContractV5R1} = await import('@ton/ton');
  return WalletContractV5R1.create({publicKey, walletId: {networkGlobalId: NETWORK_GLOBAL_ID[network]}});
}

/** User-friendly form of an address for `network` (test-only flag off mainnet). */
export function formatAddress(address: Address, network: NetworkName, options: {bounceable?: boolean} = {}): string {
  return address.toString({testOnly: isTestNetwork(network), bounceable: options.bounceable ?? false, urlSafe: true});
}
