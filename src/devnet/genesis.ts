import type {Blockchain, SandboxContract, TreasuryContract} from '@ton/sandbox';

/** What genesis deployers get. */
export interface GenesisContext {
  blockchain: Blockchain;
  /** The faucet wallet: pays for deployments and owns the genesis contracts on devnet. */
  faucet: SandboxContract<TreasuryContract>;
}

/**
 * Contracts deployed once, when a devnet is created. Each entry returns the
 * addresses it deployed by name; the CLI reads them from GET /devnet/info.
 * Deployers run in order; a new contract family adds one entry here.
 */
const DEPLOYERS: Array<(ctx: GenesisContext) => Promise<Record<string, string>>> = [
  // The provider registry, owned on devnet by the faucet (the devnet's own admin).
  async ({blockchain, faucet}) => {
    const {deployGenesis} = await import('../chain/contracts/genesis.js');
    const {registry} = await deployGenesis(blockchain, {deployer: faucet, owner: faucet.address});
    return {registry: registry.toRawString()};
  },
];

/** Deploy every genesis contract; returns name → raw address. */
export async function runGenesis(ctx: GenesisContext): Promise<Record<string, string>> {
  const contracts: Record<string, string> = {};
  for (const deploy of DEPLOYERS) Object.assign(contracts, await deploy(ctx));
  return contracts;
}
