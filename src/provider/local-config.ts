import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {checkNodeName, dataPath, DEFAULT_NODE, NODE_NAME} from '../config/paths.js';
import {writeFileAtomic} from '../config/files.js';

/** What `provide register` chose for one node, so `provide start` needs no flags. Never holds a secret. */
export const ProviderConfigSchema = z.object({
  version: z.literal(1),
  network: z.string(),
  /** The node this config belongs to; absent in files written before nodes had names (the default node). */
  node: z.string().regex(NODE_NAME).optional(),
  wallet: z.string(),
  modelPath: z.string(),
  host: z.string(),
  port: z.number().int().min(0).max(65_535),
  endpoint: z.string(),
});
/** The local provider configuration of one node. */
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

/** Where the provider keeps its files: `<data>/provider/<network>/`. */
export function providerDir(network: string): string {
  return dataPath('provider', network);
}

/**
 * One node's directory: the network's provider directory itself for the default
 * node (where its files were before nodes had names), `<network>/nodes/<name>/`
 * for the others.
 */
export function nodeDir(network: string, node: string = DEFAULT_NODE): string {
  checkNodeName(node);
  return node === DEFAULT_NODE ? providerDir(network) : path.join(providerDir(network), 'nodes', node);
}

/** Read the config of `node` on `network`, or undefined if none was saved. */
export function readProviderConfig(network: string, node: string = DEFAULT_NODE): ProviderConfig | undefined {
  const file = path.join(nodeDir(network, node), 'provider.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    return ProviderConfigSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (error) {
    throw new CocoonError('CORRUPT_DATA', `The provider config ${file} is unreadable.`, {hint: 'Delete it and pass --model/--port/--wallet to `cocoon provide start`.', cause: error});
  }
}

/** Save a node's config (`config.node`, default the default node) in its network's directory. */
export function writeProviderConfig(config: ProviderConfig): string {
  const dir = nodeDir(config.network, config.node ?? DEFAULT_NODE);
  fs.mkdirSync(dir, {recursive: true, mode: 0o700});
  const file = path.join(dir, 'provider.json');
  writeFileAtomic(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

/** Names of the nodes with a saved config on `network`, the default node first, then by name. */
export function configuredNodes(network: string): string[] {
  const names = fs.existsSync(path.join(providerDir(network), 'provider.json')) ? [DEFAULT_NODE] : [];
  const dir = path.join(providerDir(network), 'nodes');
  if (!fs.existsSync(dir)) return names;
  const named = fs.readdirSync(dir).filter((n) => NODE_NAME.test(n) && n !== DEFAULT_NODE && fs.existsSync(path.join(dir, n, 'provider.json')));
  return [...names, ...named.sort()];
}

/** The channel ledger's directory of `node` on `network` (each node keeps its own vouchers). */
export function ledgerDir(network: string, node: string = DEFAULT_NODE): string {
  return path.join(nodeDir(network, node), 'channels');
}
