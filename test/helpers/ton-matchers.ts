// Registers @ton/test-utils' matchers (toHaveTransaction, toEqualCell, …) with
// vitest. The package only hooks into jest, chai and bun, so we wrap its compare
// functions in vitest's matcher shape ourselves. Imported once from setup.ts.
import type {Address, Cell, Slice} from '@ton/core';
import {compareAddressForTest, compareCellForTest, compareSliceForTest} from '@ton/test-utils/dist/test/comparisons.js';
import {compareThrownExitCodeForTest} from '@ton/test-utils/dist/test/exitCode.js';
import type {CompareResult} from '@ton/test-utils/dist/test/interface.js';
import {compareTransactionForTest, type FlatTransactionComparable} from '@ton/test-utils/dist/test/transaction.js';
import {expect} from 'vitest';

type Comparer<T> = (subject: unknown, cmp: T) => CompareResult | Promise<CompareResult>;

function toVitest(result: CompareResult): {pass: boolean; message: () => string} {
  return {pass: result.pass, message: () => (result.pass ? result.negMessage() : result.posMessage())};
}

function wrap<T>(comparer: Comparer<T>) {
  return (actual: unknown, cmp: T) => {
    const result = comparer(actual, cmp);
    return result instanceof Promise ? result.then(toVitest) : toVitest(result);
  };
}

expect.extend({
  toHaveTransaction: wrap<FlatTransactionComparable>(compareTransactionForTest),
  toEqualCell: wrap<Cell>(compareCellForTest),
  toEqualAddress: wrap<Address>(compareAddressForTest),
  toEqualSlice: wrap<Slice>(compareSliceForTest),
  toThrowExitCode: wrap<number>(compareThrownExitCodeForTest),
});

/** The matchers @ton/test-utils adds, as vitest sees them. */
interface TonMatchers<R = unknown> {
  /** Some transaction in the subject (a SendMessageResult or transaction list) matches `cmp`. */
  toHaveTransaction(cmp: FlatTransactionComparable): R;
  toEqualCell(cell: Cell): R;
  toEqualAddress(address: Address): R;
  toEqualSlice(slice: Slice): R;
  /** The awaited promise or function throws a TVM error with this exit code (get-methods). */
  toThrowExitCode(exitCode: number): Promise<R>;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends TonMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends TonMatchers {}
}
