import {toNano, type Address} from '@ton/core';
import type {Blockchain, SandboxContract, TreasuryContract} from '@ton/sandbox';
import {CocoonError} from '../../errors.js';
import {Registry} from './registry.js';
import {RegistryIndex} from './registry-index.js';
import type {RegistryParams} from './registry-codec.js';

/**
 * Devnet defaults: a 1 TON minimum stake (cheap to try, still not free) and a
 * 60-second unbonding delay so `provide stop` → withdraw fits in a demo.
 */
export const DEVNET_REGISTRY_PARAMS: RegistryParams = {minStake: toNano('1'), unbondingDelay: 60};

/** GRAM the deployer leaves on the registry's general shard: its rent pool. */
export const GENESIS_REGISTRY_RESERVE = toNano('1');

/** Options of deployGenesis. */
export interface GenesisOptions {
  /** Wallet that pays for the deployment. */
  deployer: SandboxContract<TreasuryContract>;
  /** Registry owner: the only address that may change its parameters. */
  owner: Address;
  /** Overrides of DEVNET_REGISTRY_PARAMS. */
  params?: Partial<RegistryParams>;
}

/** GRAM the deployer leaves on the registry index for its entries' rent. */
export const GENESIS_INDEX_RESERVE = toNano('0.2');

/**
 * Deploys the registry on a devnet at genesis: its index and its general shard
 * (model '', index 0), which every provider of the devnet uses. The addresses
 * depend only on the committed code, the owner and the parameters, so the same
 * inputs always give the same registry; calling it again is a no-op.
 */
export async function deployGenesis(blockchain: Blockchain, opts: GenesisOptions): Promise<{registry: Address; index: Address}> {
  const params = {...DEVNET_REGISTRY_PARAMS, ...opts.params};
  const index = blockchain.openContract(RegistryIndex.createFromConfig({owner: opts.owner, params}));
  const registry = blockchain.openContract(Registry.createFromConfig({owner: opts.owner, params}));
  const existing = await blockchain.getContract(registry.address);
  if (existing.accountState?.type === 'active') return {registry: registry.address, index: index.address};
  await index.sendDeploy(opts.deployer.getSender(), GENESIS_INDEX_RESERVE);
  await registry.sendDeploy(opts.deployer.getSender(), GENESIS_REGISTRY_RESERVE);
  const after = await blockchain.getContract(registry.address);
  if (after.accountState?.type !== 'active') {
    throw new CocoonError('CHAIN_ERROR', 'the registry did not deploy at genesis', {details: {address: registry.address.toString()}});
  }
  return {registry: registry.address, index: index.address};
}
