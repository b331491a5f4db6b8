import {Dictionary, type Address, type Cell} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {loadParams, ProviderValue, type ProviderRecord, type RegistryParams} from './registry-codec.js';

/** Everything the registry holds, parsed from its data cell. */
export interface RegistrySnapshot {
  owner: Address;
  params: RegistryParams;
  /** Number of records, as the contract counts them. */
  count: number;
  /** Every record, in dictionary key order. */
  providers: ProviderRecord[];
  /** Owners whose record did not parse (malformed texts): left out of `providers`. */
  unreadable: Address[];
}

/**
 * Parses the registry's account data cell: every record in one read, with no
 * get-method per provider (docs/benchmarks.md, "Registry read", has the timings).
 */
export function readRegistryData(data: Cell): RegistrySnapshot {
  try {
    const s = data.beginParse();
    const owner = s.loadAddress();
    const params = loadParams(s);
    const count = s.loadUint(32);
    const dict = Dictionary.load(Dictionary.Keys.Address(), ProviderValue, s);
    const providers: ProviderRecord[] = [];
    const unreadable: Address[] = [];
    for (const [key, record] of dict) {
      if (record) providers.push({owner: key, ...record});
      else unreadable.push(key);
    }
    return {owner, params, count, providers, unreadable};
  } catch (err) {
    throw new CocoonError('CORRUPT_DATA', 'registry data cell does not have the expected layout', {
      cause: err,
      hint: 'Check that the address is a Cocoon registry for this CLI version.',
    });
  }
}
