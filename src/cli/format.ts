import {formatTon} from '../chain/units.js';

/** nanoGRAM → "1.5" (no trailing zeros), for command output. */
export function formatGram(nano: bigint): string {
  return formatTon(nano);
}
