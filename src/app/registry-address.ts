import type {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import {envName, type Settings} from '../config/settings.js';
import {fetchDevnetInfo} from '../devnet/control.js';
import {devnetElsewhere} from '../chain/client.js';
import {PUBLISHED_REGISTRIES} from '../chain/networks.js';
import {parseAddress} from '../chain/units.js';

/** Where a registry address came from: the `<network>.registry` setting, the published table, the devnet's genesis, or the command line. */
export type RegistrySource = 'setting' | 'published' | 'genesis' | 'argument';

/** A resolved registry: the address of its general shard, and where it came from. */
export interface ResolvedRegistry {
  address: Address;
  source: RegistrySource;
}

/**
 * The provider registry of the selected network (its general shard), in this
 * order: the `<network>.registry` setting (flag, COCOON_<NET>_REGISTRY or the
 * config file), the registry published for the network (src/chain/networks.ts),
 * and on the devnet the one deployed at genesis (asked of the running devnet).
 * The error names each of them and why it did not answer.
 */
export async function resolveRegistry(settings: Settings): Promise<ResolvedRegistry> {
  const network = settings.get('network');
  const key = `${network}.registry` as const;
  const configured = settings.resolve(key);
  if (configured.value) {
    const from = configured.source === 'env' ? envName(key) : configured.source === 'file' ? settings.path : 'a flag';
    try {
      return {address: parseAddress(configured.value), source: 'setting'};
    } catch (error) {
      throw new CocoonError('INVALID_INPUT', `The ${key} setting (from ${from}) is not an address: "${configured.value}".`, {
        hint: `Fix it with \`cocoon config set ${key} ADDRESS\`, or remove it with \`cocoon config unset ${key}\`.`,
        cause: error,
      });
    }
  }
  const published = PUBLISHED_REGISTRIES[network];
  if (published) return {address: parseAddress(published.registry), source: 'published'};
  const tried = [`the ${key} setting (unset)`, `the registries published for ${network} (none yet)`];
  if (network !== 'devnet') {
    throw new CocoonError('NOT_FOUND', `No registry is known for ${network}: tried ${tried.join(' and ')}.`, {
      hint: `Set one with \`cocoon config set ${key} ADDRESS\` (or ${envName(key)}), or launch one with \`cocoon registry deploy --network ${network}\`.`,
      details: {tried: ['setting', 'published']},
    });
  }
  const url = `http://${settings.get('devnet.host')}:${settings.get('devnet.port')}`;
  const info = await fetchDevnetInfo(url);
  if (!info) {
    const elsewhere = devnetElsewhere(url);
    throw new CocoonError('CHAIN_UNAVAILABLE', `No devnet is running at ${url}${elsewhere ? ` (this COCOON_HOME's devnet runs at ${elsewhere})` : ''}, so its genesis registry cannot be asked; tried ${tried.join(', ')}, then the devnet.`, {
      hint: `Start one with \`cocoon devnet start --detach\`, or set a registry with \`cocoon config set ${key} ADDRESS\`.`,
      details: {tried: ['setting', 'published', 'genesis']},
    });
  }
  const raw = info.contracts.registry;
  if (!raw) {
    throw new CocoonError('CHAIN_ERROR', `No registry is known for devnet: tried ${tried.join(', ')} and the genesis registry of the devnet at ${url}, which has none (it was created by an older version).`, {
      hint: 'Run `cocoon devnet reset --force --yes` and start it again.',
      details: {tried: ['setting', 'published', 'genesis']},
    });
  }
  return {address: parseAddress(raw), source: 'genesis'};
}

/** The provider registry's address on the selected network (see resolveRegistry for the order). */
export async function registryAddress(settings: Settings): Promise<Address> {
  return (await resolveRegistry(settings)).address;
}
