import {Address, Dictionary, type Cell} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {bigintToNodeKey, loadParams, loadShardId, ProviderValue, type ProviderRecord, type RegistryParams} from './registry-codec.js';

/** Everything a registry shard holds, parsed from its data cell. */
export interface RegistrySnapshot {
  owner: Address;
  params: RegistryParams;
  /** Number of records, as the contract counts them. */
  count: number;
  /** Sum of the stakes the shard holds: its balance never pays rent or gas out of it. */
  totalStaked: bigint;
  /** The model this shard holds ('' for a general shard) and its index among the model's shards. */
  model: string;
  shardIndex: number;
  /** The registry index this shard announces itself to, and whether it has. */
  directory: Address;
  announced: boolean;
  /** An ownership transfer waiting for the new owner to accept, if any. */
  pendingOwner?: Address;
  /** Every record, in dictionary key (node key) order. */
  providers: ProviderRecord[];
  /** Owners whose record did not parse (malformed texts): left out of `providers`. */
  unreadable: Address[];
}

/**
 * Parses a registry shard's account data cell: every record in one read, with no
 * get-method per provider (docs/benchmarks.md, "Registry read", has the timings).
 */
export function readRegistryData(data: Cell): RegistrySnapshot {
  try {
    const s = data.beginParse();
    const owner = s.loadAddress();
    const params = loadParams(s);
    const count = s.loadUint(32);
    const totalStaked = s.loadCoins();
    const {model, shardIndex, directory} = loadShardId(s.loadRef().beginParse());
    const announced = s.loadBit();
    const pending = s.loadMaybeRef();
    const dict = Dictionary.load(Dictionary.Keys.BigUint(256), ProviderValue, s);
    const providers: ProviderRecord[] = [];
    const unreadable: Address[] = [];
    for (const [key, record] of dict) {
      if (record instanceof Address) unreadable.push(record);
      else providers.push({...record, nodeKey: bigintToNodeKey(key)});
    }
    return {owner, params, count, totalStaked, model, shardIndex, directory, announced, ...(pending ? {pendingOwner: pending.beginParse().loadAddress()} : {}), providers, unreadable};
  } catch (err) {
    throw new CocoonError('CORRUPT_DATA', 'registry data cell does not have the expected layout', {
      cause: err,
      hint: 'Check that the address is a Cocoon registry for this CLI version.',
    });
  }
}

