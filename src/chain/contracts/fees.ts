import {Cell, Dictionary} from '@ton/core';
import {CocoonError} from '../../errors.js';

/** Basechain gas prices (config param 21), the inputs of TVM's GETGASFEE. */
export interface GasPrices {
  /** Gas units covered by the flat price. */
  flatGasLimit: bigint;
  /** nanoTON charged for the first `flatGasLimit` units. */
  flatGasPrice: bigint;
  /** nanoTON per 65536 gas units beyond the flat part. */
  gasPrice: bigint;
}

/**
 * Reads config param 21 from a config dictionary cell (`blockchain.config` in
 * @ton/sandbox, or a config fetched from a node).
 * TL-B: gas_flat_pfx#d1 flat_gas_limit:uint64 flat_gas_price:uint64 other:GasLimitsPrices
 *       gas_prices_ext#de gas_price:uint64 … / gas_prices#dd gas_price:uint64 …
 */
export function parseGasPrices(config: Cell, param = 21): GasPrices {
  const dict = Dictionary.loadDirect(Dictionary.Keys.Int(32), Dictionary.Values.Cell(), config);
  const cell = dict.get(param);
  if (!cell) throw new CocoonError('CHAIN_ERROR', `config param ${param} (gas prices) is missing`);
  const s = cell.beginParse();
  let flatGasLimit = 0n;
  let flatGasPrice = 0n;
  let tag = s.loadUint(8);
  if (tag === 0xd1) {
    flatGasLimit = s.loadUintBig(64);
    flatGasPrice = s.loadUintBig(64);
    tag = s.loadUint(8);
  }
  if (tag !== 0xde && tag !== 0xdd) throw new CocoonError('CHAIN_ERROR', `unknown gas prices tag 0x${tag.toString(16)}`);
  return {flatGasLimit, flatGasPrice, gasPrice: s.loadUintBig(64)};
}

/** nanoTON charged for `gas` units: the same formula as TVM's GETGASFEE. */
export function gasFee(gas: bigint | number, prices: GasPrices): bigint {
  const g = BigInt(gas);
  if (g <= prices.flatGasLimit) return prices.flatGasPrice;
  return prices.flatGasPrice + ((g - prices.flatGasLimit) * prices.gasPrice + 0xffffn) / 0x10000n;
}

/** Basechain message prices (config param 25), the inputs of TVM's GETFORWARDFEE. */
export interface MsgPrices {
  lumpPrice: bigint;
  /** nanoGRAM per 2^16 bits / cells. */
  bitPrice: bigint;
  cellPrice: bigint;
}

/**
 * Reads config param 25 (basechain message forwarding prices).
 * TL-B: msg_forward_prices#ea lump_price:uint64 bit_price:uint64 cell_price:uint64 …
 */
export function parseMsgPrices(config: Cell, param = 25): MsgPrices {
  const dict = Dictionary.loadDirect(Dictionary.Keys.Int(32), Dictionary.Values.Cell(), config);
  const cell = dict.get(param);
  if (!cell) throw new CocoonError('CHAIN_ERROR', `config param ${param} (message prices) is missing`);
  const s = cell.beginParse();
  const tag = s.loadUint(8);
  if (tag !== 0xea) throw new CocoonError('CHAIN_ERROR', `unknown message prices tag 0x${tag.toString(16)}`);
  return {lumpPrice: s.loadUintBig(64), bitPrice: s.loadUintBig(64), cellPrice: s.loadUintBig(64)};
}

/** nanoGRAM to forward a message with `bits` and `cells` outside its root: the same formula as GETFORWARDFEE. */
export function forwardFee(bits: number, cells: number, prices: MsgPrices): bigint {
  return prices.lumpPrice + (BigInt(bits) * prices.bitPrice + BigInt(cells) * prices.cellPrice + 0xffffn) / 0x10000n;
}
