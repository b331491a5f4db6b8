import os from 'node:os';
import path from 'node:path';

/** Where Cocoon keeps its state. */
export interface CocoonPaths {
  /** Settings file directory. */
  configDir: string;
  /** Keystores, devnet state, models, caches. */
  dataDir: string;
}

/**
 * Resolve the config and data directories. `COCOON_HOME` moves all state at once
 * (tests point it at a temporary directory); otherwise XDG locations are used.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): CocoonPaths {
  const home = env.COCOON_HOME;
  if (home) {
    const root = path.resolve(home);
    return {configDir: path.join(root, 'config'), dataDir: path.join(root, 'data')};
  }
  const userHome = os.homedir();
  const configBase = env.XDG_CONFIG_HOME || path.join(userHome, '.config');
  const dataBase = env.XDG_DATA_HOME || path.join(userHome, '.local', 'share');
  return {configDir: path.join(configBase, 'cocoon'), dataDir: path.join(dataBase, 'cocoon')};
}

/** A sub-directory of the data directory, e.g. `dataPath('wallets')`. */
export function dataPath(...parts: string[]): string {
  return path.join(resolvePaths().dataDir, ...parts);
}

/** Where this machine's provider node key lives: `<data dir>/node/node-key.json`. */
export function nodeKeyPath(): string {
  return dataPath('node', 'node-key.json');
}
