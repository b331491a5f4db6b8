import {formatTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import type {NetworkName} from '../config/settings.js';
import type {GatewayRequestEvent} from '../gateway/options.js';

/** One request of the gateway's log: never the API key or any text. */
export function requestLine(e: GatewayRequestEvent, network: NetworkName): string {
  const paid = e.cost === undefined ? '' : ` ${e.model} by ${e.provider ? formatAddress(e.provider, network) : '?'}: ${formatTon(e.cost)} GRAM`;
  return `${e.method} ${e.path} ${e.status} ${e.ms}ms${paid}${e.error ? ` (${e.error})` : ''}`;
}

/** Money the gateway moved, for its log (the same words ask uses). */
export {fundingNote as fundingLine} from '../app/ask.js';
