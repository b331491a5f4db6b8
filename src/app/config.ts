import {resolvePaths} from '../config/paths.js';
import type {Settings} from '../config/settings.js';

/** What `config path --json` prints. */
export interface ConfigPathsView {
  configFile: string;
  configDir: string;
  dataDir: string;
}

/**
 * Where settings and data live. Takes the settings, not an AppContext: the
 * config commands must work even when a setting (the network, say) is invalid.
 */
export function configPaths(settings: Settings): ConfigPathsView {
  return {configFile: settings.path, ...resolvePaths()};
}
