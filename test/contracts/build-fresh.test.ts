// The committed build must match the sources: a stale artifact would deploy
// code nobody reviewed. Fix a failure with `npm run contracts:build`.
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {CONTRACT_NAMES, CONTRACTS_DIR, compileContract, generateCompiledModule, generateConstants, type CompiledContract} from '../../contracts/compile.js';
import {contractCode} from '../../src/chain/contracts/code.js';
import {COMPILED} from '../../src/chain/contracts/compiled.js';

const repo = path.dirname(CONTRACTS_DIR);

describe('committed contract build', () => {
  it('matches a fresh compilation of the Tolk sources', async () => {
    const fresh: CompiledContract[] = [];
    for (const name of CONTRACT_NAMES) {
      const c = await compileContract(name);
      fresh.push(c);
      const committed = JSON.parse(fs.readFileSync(path.join(CONTRACTS_DIR, 'build', `${name}.compiled.json`), 'utf8')) as CompiledContract;
      expect(committed.codeHashHex, `${name}.compiled.json is stale`).toBe(c.codeHashHex);
      expect(committed.codeBoc64).toBe(c.codeBoc64);
      expect(COMPILED[name].codeHashHex).toBe(c.codeHashHex);
      expect(contractCode(name).hash().toString('hex')).toBe(c.codeHashHex);
    }
    expect(fs.readFileSync(path.join(repo, 'src/chain/contracts/compiled.ts'), 'utf8')).toBe(generateCompiledModule(fresh));
  });

  it('has TypeScript opcodes and exit codes generated from the current Tolk sources', () => {
    expect(fs.readFileSync(path.join(repo, 'src/chain/contracts/constants.ts'), 'utf8')).toBe(generateConstants());
  });
});
