// Cell layout of the registry index (contracts/registry-index.tolk), with its TL-B.
import {Address, beginCell, Cell, contractAddress, Dictionary, type DictionaryValue} from '@ton/core';
import {createHash} from 'node:crypto';
import {contractCode} from './code.js';
import {storeParams, type RegistryParams} from './registry-codec.js';

/** One model the index lists. */
export interface IndexedModel {
  model: string;
  /** Shards 0 .. shards−1 exist. */
  shards: number;
}

/** The registry's genesis owner and parameters: they fix the index and every shard address. */
export interface RegistryGenesis {
  owner: Address;
  params: RegistryParams;
}

/** model_entry$_ shards:uint16 name:^Bytes = ModelEntry; */
export const ModelEntryValue: DictionaryValue<IndexedModel> = {
  serialize: (e, b) => {
    b.storeUint(e.shards, 16).storeRef(beginCell().storeBuffer(Buffer.from(e.model, 'utf8')).endCell());
  },
  parse: (s) => {
    const shards = s.loadUint(16);
    const name = s.loadRef().beginParse();
    return {shards, model: name.loadBuffer(name.remainingBits / 8).toString('utf8')};
  },
};

/** Dictionary key of a model: the SHA-256 of its UTF-8 name, as the index computes it. */
export function modelKey(model: string): bigint {
  return BigInt(`0x${createHash('sha256').update(Buffer.from(model, 'utf8')).digest('hex')}`);
}

/**
 * index$_ owner:MsgAddressInt params:RegistryParams shard_code:^Cell
 *   models:(HashmapE 256 ModelEntry) = IndexStorage;
 * `models` seeds entries (benches only; a real index starts empty).
 */
export function registryIndexData(genesis: RegistryGenesis, shardCode: Cell, models: IndexedModel[] = []): Cell {
  const dict = Dictionary.empty(Dictionary.Keys.BigUint(256), ModelEntryValue);
  for (const m of models) dict.set(modelKey(m.model), m);
  return beginCell().storeAddress(genesis.owner).store(storeParams(genesis.params)).storeRef(shardCode).storeDict(dict).endCell();
}

/** The index's StateInit for a registry genesis. */
export function registryIndexInit(genesis: RegistryGenesis, shardCode: Cell = contractCode('registry'), models: IndexedModel[] = []): {code: Cell; data: Cell} {
  return {code: contractCode('registry-index'), data: registryIndexData(genesis, shardCode, models)};
}

/** The index address of a registry genesis (every shard's directory). */
export function registryIndexAddress(genesis: RegistryGenesis, shardCode: Cell = contractCode('registry'), workchain = 0): Address {
  return contractAddress(workchain, registryIndexInit(genesis, shardCode));
}

/** Every model listed in the index's data cell. */
export function readIndexData(data: Cell): IndexedModel[] {
  const s = data.beginParse();
  s.loadAddress();
  s.loadCoins();
  s.loadUint(32);
  s.loadRef();
  return Dictionary.load(Dictionary.Keys.BigUint(256), ModelEntryValue, s).values();
}
