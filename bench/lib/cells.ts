import type {Cell} from '@ton/core';

/** Distinct cells and their bits under `root` (shared subtrees counted once, as storage is). */
export function cellsOf(root: Cell): {cells: number; bits: number} {
  const seen = new Set<string>();
  let bits = 0;
  const walk = (c: Cell) => {
    const h = c.hash().toString('hex');
    if (seen.has(h)) return;
    seen.add(h);
    bits += c.bits.length;
    c.refs.forEach(walk);
  };
  walk(root);
  return {cells: seen.size, bits};
}
