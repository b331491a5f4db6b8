import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh, empty COCOON_HOME directory for one test or suite. */
export function tempHome(prefix = 'cocoon-home-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
