import {formatTon} from '../chain/units.js';
import type {NodeEvent} from '../provider/node.js';

/** Log lines for what a running provider node reports. */
export function nodeEventLines(event: NodeEvent): Array<{level: 'info' | 'warn'; line: string}> {
  if (event.type === 'settled') {
    return [
      ...event.reports.filter((r) => r.outcome === 'claimed').map((r) => ({level: 'info' as const, line: `claimed ${formatTon(r.paidAfter - r.paidBefore)} GRAM from ${r.channel}`})),
      ...event.reports.filter((r) => r.outcome === 'failed').map((r) => ({level: 'warn' as const, line: `claim from ${r.channel} failed: ${r.error}`})),
    ];
  }
  if (event.type === 'settle-error') return [{level: 'warn', line: `settlement pass failed: ${event.error.message}`}];
  // Following the registration: new prices are routine; a suspension is not.
  if (event.type === 'registration') return [{level: event.change === 'prices' || event.change === 'resumed' ? 'info' : 'warn', line: event.message}];
  if (event.type === 'rent') return [{level: event.state === 'renewed' ? 'info' : 'warn', line: event.message}];
  return [{level: 'warn', line: event.message}];
}
