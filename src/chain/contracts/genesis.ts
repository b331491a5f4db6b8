import {toNano, type Address} from '@ton/core';
import type {Blockchain, SandboxContract, TreasuryContract} from '@ton/sandbox';
import {CocoonError} from '../../errors.js';
import {Registry} from './registry.js';
import type {RegistryParams} from './registry-codec.js';

/**
 * Devnet defaults: a 1 TON minimum stake (cheap to try, still not free) and a
 * 60-second unbonding delay so `provide stop` → withdraw fits in a demo.
 */
export const DEVNET_REGISTRY_PARAMS: RegistryParams = {minStake: toNano('1'), unbondingDelay: 60};

/** TON the deployer leaves on the registry to pay its storage rent. */
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

/**
 * Deploys the registry on a devnet at genesis. The address depends only on the
 * committed code, the owner and the parameters, so the same inputs always give
 * the same registry; calling it again on a chain that has it is a no-op.
 */
export async function deployGenesis(blockchain: Blockchain, opts: GenesisOptions): Promise<{registry: Address}> {
  const params = {...DEVNET_REGISTRY_PARAMS, ...opts.params};
  const registry = blockchain.openContract(Registry.createFromConfig({owner: opts.owner, params}));
  const existing = await blockchain.getContract(registry.address);
  if (existing.accountState?.type === 'active') return {registry: registry.address};
  await registry.sendDeploy(opts.deployer.getSender(), GENESIS_REGISTRY_RESERVE);
  const after = await blockchain.getContract(registry.address);
  if (after.accountState?.type !== 'active') {
    throw new CocoonError('CHAIN_ERROR', 'the registry did not deploy at genesis', {details: {address: registry.address.toString()}});
  }
  return {registry: registry.address};
}
