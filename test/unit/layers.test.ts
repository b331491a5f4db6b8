// The layer map of docs/architecture.md, enforced by dependency-cruiser over src/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createRequire} from 'node:module';
import {describe, expect, it} from 'vitest';

const require = createRequire(import.meta.url);
const rules = require('../../docs/layers.cjs');

async function violations(root: string, files: string[]): Promise<string[]> {
  const {cruise} = await import('dependency-cruiser');
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const result = await cruise(files, {...rules.options, ruleSet: {forbidden: rules.forbidden}, validate: true, outputType: 'json'});
    const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
    return output.summary.violations.map((v: {rule: {name: string}; from: string; to: string}) => `${v.rule.name}: ${v.from} → ${v.to}`);
  } finally {
    process.chdir(cwd);
  }
}

describe('layers', () => {
  it('src/ has no forbidden import and no cycle', async () => {
    expect(await violations(process.cwd(), ['src'])).toEqual([]);
  }, 60_000);

  it('the rules catch a forbidden import and a cycle', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-layers-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), {recursive: true});
      fs.writeFileSync(path.join(root, file), text);
    };
    write('tsconfig.json', JSON.stringify({compilerOptions: {module: 'NodeNext', moduleResolution: 'NodeNext'}}));
    write('src/errors.ts', 'export const e = 1;\n');
    write('src/crypto/a.ts', "import {p} from '../provider/p.js';\nexport const a = p;\n");
    write('src/provider/p.ts', "import {e} from '../errors.js';\nexport const p = e;\n");
    write('src/protocol/x.ts', "import {y} from './y.js';\nexport const x = () => y;\n");
    write('src/protocol/y.ts', "import {x} from './x.js';\nexport const y = () => x;\n");
    const found = await violations(root, ['src']);
    expect(found).toContain('layer-crypto: src/crypto/a.ts → src/provider/p.ts');
    expect(found.some((v) => v.startsWith('no-circular: src/protocol/'))).toBe(true);
  }, 60_000);
});
