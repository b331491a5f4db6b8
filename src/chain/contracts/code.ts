import {Cell} from '@ton/core';
import {CocoonError} from '../../errors.js';
import {COMPILED} from './compiled.js';

const cache = new Map<keyof typeof COMPILED, Cell>();

/**
 * The committed compiled code of one of our contracts, checked against its
 * committed hash (the CLI never compiles at run time).
 */
export function contractCode(name: keyof typeof COMPILED): Cell {
  let code = cache.get(name);
  if (!code) {
    const entry = COMPILED[name];
    code = Cell.fromBase64(entry.codeBoc64);
    if (code.hash().toString('hex') !== entry.codeHashHex) {
      throw new CocoonError('CORRUPT_DATA', `compiled ${name} code does not match its committed hash`, {
        hint: 'Run `npm run contracts:build` and commit the result.',
      });
    }
    cache.set(name, code);
  }
  return code;
}
