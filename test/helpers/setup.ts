// vitest setup shared by every test file.
// Each test process gets its own COCOON_HOME unless a test sets one, so no test
// ever reads or writes the real user's settings, keystores or devnet.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import './ton-matchers.js';

if (!process.env.COCOON_HOME) {
  process.env.COCOON_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-test-'));
}
