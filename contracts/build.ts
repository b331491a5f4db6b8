// Builds the contracts: contracts/build/<name>.compiled.json (audit artifacts),
// src/chain/contracts/compiled.ts (code the wrappers load) and
// src/chain/contracts/constants.ts (opcodes and exit codes from the Tolk sources).
// Run with `npm run contracts:build`; test/contracts/build-fresh.test.ts fails when
// the committed output no longer matches the sources.
import fs from 'node:fs';
import path from 'node:path';
import {CONTRACT_NAMES, CONTRACTS_DIR, compileContract, generateCompiledModule, generateConstants} from './compile.js';

const repo = path.dirname(CONTRACTS_DIR);
const compiled = [];
for (const name of CONTRACT_NAMES) {
  const c = await compileContract(name);
  compiled.push(c);
  fs.mkdirSync(path.join(CONTRACTS_DIR, 'build'), {recursive: true});
  fs.writeFileSync(path.join(CONTRACTS_DIR, 'build', `${name}.compiled.json`), JSON.stringify(c, null, 2) + '\n');
  process.stdout.write(`${name}: ${c.codeHashHex} (${Buffer.from(c.codeBoc64, 'base64').length} bytes BoC, tolk ${c.tolkVersion})\n`);
}
fs.writeFileSync(path.join(repo, 'src/chain/contracts/compiled.ts'), generateCompiledModule(compiled));
fs.writeFileSync(path.join(repo, 'src/chain/contracts/constants.ts'), generateConstants());
