import type {NetworkName} from '../config/settings.js';

/** Network global ids as wallet v5r1 uses them (its wallet id, hence its address, depends on it). */
export const NETWORK_GLOBAL_ID: Record<NetworkName, number> = {
  mainnet: -239,
  testnet: -3,
  // The devnet is a testnet stand-in: same wallet ids, so a devnet address equals the testnet one.
  devnet: -3,
};

/** True where addresses are printed in their test-only form. */
export function isTestNetwork(network: NetworkName): boolean {
  return network !== 'mainnet';
}
