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

/** A registry announced for a network: its general shard (what clients read) and its index. */
export interface PublishedRegistry {
  /** The general shard (model '', index 0): the address `<network>.registry` takes. */
  registry: string;
  /** The registry index (lists every model and its shard count). */
  index: string;
  /** Where and when it was announced, for people reading `registry show`. */
  note?: string;
}

/**
 * Registries that have been published, per network: the CLI uses them when
 * `<network>.registry` is unset. None yet: nothing has been launched on
 * testnet or mainnet. When a registry is launched (`cocoon registry deploy
 * --network testnet`), add its addresses here in the release that announces it,
 * and never change an entry afterwards (addresses derive from owner and
 * parameters, so a new registry is a new entry in a new release). The devnet
 * has none: its registry is deployed at genesis and asked of the running devnet.
 */
export const PUBLISHED_REGISTRIES: Record<NetworkName, PublishedRegistry | undefined> = {
  devnet: undefined,
  testnet: undefined,
  mainnet: undefined,
};
