import type {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import type {Settings} from '../config/settings.js';
import {fetchDevnetInfo} from '../devnet/control.js';
import {parseAddress} from '../chain/units.js';

/**
 * The provider registry's address on the selected network: on devnet, the one
 * deployed at genesis (asked from the running devnet); elsewhere, the
 * `<network>.registry` setting.
 */
export async function registryAddress(settings: Settings): Promise<Address> {
  const network = settings.get('network');
  if (network === 'devnet') {
    const url = `http://${settings.get('devnet.host')}:${settings.get('devnet.port')}`;
    const info = await fetchDevnetInfo(url);
    if (!info) {
      throw new CocoonError('CHAIN_UNAVAILABLE', `No devnet is running at ${url}.`, {hint: 'Start one with `cocoon devnet start --detach`.'});
    }
    const raw = info.contracts.registry;
    if (!raw) throw new CocoonError('CHAIN_ERROR', 'This devnet has no registry (it was created by an older version).', {hint: 'Run `cocoon devnet reset --force --yes` and start it again.'});
    return parseAddress(raw);
  }
  const configured = settings.get(`${network}.registry`);
  if (!configured) {
    throw new CocoonError('USAGE', `No registry address is configured for ${network}.`, {
      hint: `Set it with \`cocoon config set ${network}.registry ADDRESS\` (or COCOON_${network.toUpperCase()}_REGISTRY).`,
    });
  }
  return parseAddress(configured);
}
