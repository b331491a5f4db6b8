import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {dataPath} from '../config/paths.js';
import {writeFileAtomic} from '../config/files.js';

/** What `provide register` chose, so `provide start` needs no flags. Never holds a secret. */
export const ProviderConfigSchema = z.object({
  version: z.literal(1),
  network: z.string(),
  wallet: z.string(),
  modelPath: z.string(),
  host: z.string(),
  port: z.number().int().min(0).max(65_535),
  endpoint: z.string(),
});
/** The local provider configuration. */
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

/** Where the provider keeps its files: `<data>/provider/<network>/`. */
export function providerDir(network: string): string {
  return dataPath('provider', network);
}

/** Read the provider config of `network`, or undefined if none was saved. */
export function readProviderConfig(network: string): ProviderConfig | undefined {
  const file = path.join(providerDir(network), 'provider.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    return ProviderConfigSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (error) {
    throw new CocoonError('CORRUPT_DATA', `The provider config ${file} is unreadable.`, {hint: 'Delete it and pass --model/--port/--wallet to `cocoon provide start`.', cause: error});
  }
}

/** Save the provider config of its network. */
export function writeProviderConfig(config: ProviderConfig): string {
  const dir = providerDir(config.network);
  fs.mkdirSync(dir, {recursive: true, mode: 0o700});
  const file = path.join(dir, 'provider.json');
  writeFileAtomic(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

/** The channel ledger's directory for `network`. */
export function ledgerDir(network: string): string {
  return path.join(providerDir(network), 'channels');
}
