import {Cell, type TupleItem} from '@ton/core';
import {CocoonError} from '../errors.js';

/** A get-method argument in toncenter v2 form: ['num', '5'] or ['tvm.Cell', base64]. */
export type WireStackInput = [string, unknown];

/** toncenter v2 stack input → TVM tuple items. */
export function stackFromWire(stack: unknown[]): TupleItem[] {
  return stack.map((entry) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      throw new CocoonError('INVALID_INPUT', `Malformed stack entry ${JSON.stringify(entry)}`);
    }
    const [type, value] = entry as WireStackInput;
    switch (type) {
      case 'num':
      case 'number':
      case 'int': {
        return {type: 'int', value: BigInt(String(value))};
      }
      case 'tvm.Cell':
      case 'cell': {
        return {type: 'cell', cell: Cell.fromBase64(String(value))};
      }
      case 'tvm.Slice':
      case 'slice': {
        return {type: 'slice', cell: Cell.fromBase64(String(value))};
      }
      case 'tvm.Builder':
      case 'builder': {
        return {type: 'builder', cell: Cell.fromBase64(String(value))};
      }
      default: {
        throw new CocoonError('INVALID_INPUT', `Unsupported stack entry type "${type}"`);
      }
    }
  });
}

function hexNumber(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

/** A nested tuple element in toncenter's typed form. */
function entryToWire(item: TupleItem): unknown {
  switch (item.type) {
    case 'int': {
      return {'@type': 'tvm.stackEntryNumber', number: {'@type': 'tvm.numberDecimal', number: item.value.toString()}};
    }
    case 'cell': {
      return {'@type': 'tvm.stackEntryCell', cell: {'@type': 'tvm.cell', bytes: item.cell.toBoc().toString('base64')}};
    }
    case 'slice':
    case 'builder': {
      return {'@type': 'tvm.stackEntrySlice', slice: {'@type': 'tvm.slice', bytes: item.cell.toBoc().toString('base64')}};
    }
    case 'tuple': {
      return {'@type': 'tvm.stackEntryTuple', tuple: {'@type': 'tvm.tuple', elements: item.items.map(entryToWire)}};
    }
    default: {
      // null and NaN: toncenter renders them as empty lists inside tuples.
      return {'@type': 'tvm.stackEntryList', list: {'@type': 'tvm.list', elements: []}};
    }
  }
}

/** TVM tuple items → toncenter v2 result stack. */
export function stackToWire(stack: TupleItem[]): unknown[] {
  return stack.map((item) => {
    switch (item.type) {
      case 'int': {
        return ['num', hexNumber(item.value)];
      }
      case 'cell':
      case 'slice':
      case 'builder': {
        return [item.type, {bytes: item.cell.toBoc().toString('base64'), object: {}}];
      }
      case 'tuple': {
        return ['tuple', {'@type': 'tvm.tuple', elements: item.items.map(entryToWire)}];
      }
      default: {
        return ['null', null];
      }
    }
  });
}
