import os from 'node:os';
import path from 'node:path';
import {CocoonError} from '../errors.js';

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

/** The node every provider command means without `--node`: its key is the machine's original one. */
export const DEFAULT_NODE = 'default';

/** Node names, like wallet names: safe as a directory name on every file system. */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** Refuse a node name that is not a safe directory name. */
export function checkNodeName(name: string): string {
  if (!NODE_NAME.test(name)) {
    throw new CocoonError('INVALID_INPUT', `Invalid node name "${name}".`, {hint: 'Use 1–32 letters, digits, "-" or "_", starting with a letter or digit (e.g. --node gpu1).'});
  }
  return name;
}

/**
 * Where a provider node's key lives: `<data>/node/<name>/node-key.json`, except
 * the default node's, which stays at `<data>/node/node-key.json` (the one key a
 * machine had before nodes had names). `root` replaces `<data>/node`.
 */
export function nodeKeyPath(name: string = DEFAULT_NODE, root: string = dataPath('node')): string {
  checkNodeName(name);
  return name === DEFAULT_NODE ? path.join(root, 'node-key.json') : path.join(root, name, 'node-key.json');
}
