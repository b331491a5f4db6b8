import fs from 'node:fs';
import path from 'node:path';

/**
 * Directory of the shared test models, from COCOON_TEST_MODELS (.ci/run points
 * it at ../shared/models). Undefined where the machine has none.
 */
export function testModelsDir(): string | undefined {
  const dir = process.env.COCOON_TEST_MODELS;
  return dir && fs.existsSync(dir) ? dir : undefined;
}

/** Path of a shared test model, or undefined if it is not on this machine. */
export function sharedModel(name = 'stories260K.gguf'): string | undefined {
  const dir = testModelsDir();
  if (!dir) return undefined;
  const file = path.join(dir, name);
  return fs.existsSync(file) ? file : undefined;
}
