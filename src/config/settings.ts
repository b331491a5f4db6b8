import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {writeFileAtomic} from './files.js';
import {CocoonError} from '../errors.js';
import {resolvePaths} from './paths.js';

/** Names of the networks Cocoon knows. */
export const NETWORKS = ['devnet', 'testnet', 'mainnet'] as const;
/** One of NETWORKS. */
export type NetworkName = (typeof NETWORKS)[number];

interface SettingDef {
  schema: z.ZodTypeAny;
  default: unknown;
  description: string;
  /** Redacted in `config list|get` unless asked for explicitly. */
  secret?: boolean;
}

const port = z.coerce.number().int().min(1).max(65_535);
const rps = z.coerce.number().min(0).max(1000);
const tonAmount = z.string().regex(/^\d+(\.\d{1,9})?$/, 'an amount of GRAM such as 1 or 0.25');

/** Every setting, its schema, default and meaning: the single source of truth. */
export const SETTINGS = {
  network: {schema: z.enum(NETWORKS), default: 'devnet', description: 'Network to use: devnet (local), testnet or mainnet'},
  'devnet.host': {schema: z.string().min(1), default: '127.0.0.1', description: 'Address the local devnet listens on'},
  'devnet.port': {schema: port, default: 18_545, description: 'Port of the local devnet (unset: the running devnet\'s, else 18545)'},
  'devnet.rps': {
    schema: rps,
    default: 0,
    description: 'Chain requests per second this process makes to the devnet (0 = unlimited, unless the devnet advertises a limit)',
  },
  'testnet.endpoint': {
    schema: z.string().url(),
    default: 'https://testnet.toncenter.com/api/v2/jsonRPC',
    description: 'toncenter v2 JSON-RPC endpoint for testnet',
  },
  'testnet.apiKey': {schema: z.string(), default: '', description: 'API key for the testnet endpoint', secret: true},
  'testnet.rps': {
    schema: rps,
    default: 0,
    description: 'Chain requests per second this process makes to testnet (0 = toncenter\'s free tier: 1 without an API key, 10 with one)',
  },
  'mainnet.endpoint': {
    schema: z.string().url(),
    default: 'https://toncenter.com/api/v2/jsonRPC',
    description: 'toncenter v2 JSON-RPC endpoint for mainnet',
  },
  'mainnet.apiKey': {schema: z.string(), default: '', description: 'API key for the mainnet endpoint', secret: true},
  'mainnet.rps': {
    schema: rps,
    default: 0,
    description: 'Chain requests per second this process makes to mainnet (0 = toncenter\'s free tier: 1 without an API key, 10 with one)',
  },
  'devnet.registry': {
    schema: z.string(),
    default: '',
    description: 'Address of the provider registry (its general shard) on the devnet (unset: the running devnet\'s genesis registry)',
  },
  'testnet.registry': {schema: z.string(), default: '', description: 'Address of the provider registry on testnet'},
  'mainnet.registry': {schema: z.string(), default: '', description: 'Address of the provider registry on mainnet'},
  wallet: {schema: z.string(), default: '', description: 'Name of the wallet used when --wallet is not given'},
  'channel.deposit': {schema: tonAmount, default: '1', description: 'Default deposit (GRAM) when a payment channel is opened'},
  'audit.requireAudited': {
    schema: z.enum(['true', 'false']).transform((v) => v === 'true').or(z.boolean()),
    default: false,
    description: 'Use only providers that passed an independent audit (docs/audit.md); --allow-unaudited overrides it for one command',
  },
  'audit.quorum': {
    schema: z.coerce.number().int().min(1).max(100),
    default: 2,
    description: 'Distinct independent auditors whose failing reports flag a provider node (flagged nodes are skipped unless --include-flagged)',
  },
  'channel.closeDelay': {
    schema: z.coerce.number().int().min(1),
    default: 3600,
    description: 'Seconds a provider keeps to claim after you start closing a channel (providers refuse short ones)',
  },
  'inference.gpu': {
    schema: z.enum(['auto', 'cuda', 'vulkan', 'metal', 'off']),
    default: 'auto',
    description: 'GPU backend for inference: auto, cuda, vulkan, metal or off',
  },
  'inference.threads': {
    schema: z.coerce.number().int().min(0),
    default: 0,
    description: 'CPU threads for inference (0 = physical cores)',
  },
} satisfies Record<string, SettingDef>;

/** A setting's key. */
export type SettingKey = keyof typeof SETTINGS;
/** The value type of each setting. */
export type SettingValues = {[K in SettingKey]: z.infer<(typeof SETTINGS)[K]['schema']>};
/** Where a resolved value came from (`devnet`: the devnet running for this data directory). */
export type SettingSource = 'flag' | 'env' | 'file' | 'devnet' | 'default';

/**
 * What a running devnet records about itself in `<data>/devnet/daemon.json`
 * (written by the process that serves it). Later commands find the devnet
 * through it, whatever port its start command was given.
 */
export const DevnetRuntimeSchema = z.object({
  pid: z.number().int(),
  /** Base URL, e.g. http://127.0.0.1:18545. */
  url: z.string(),
  startedAt: z.number(),
  host: z.string().optional(),
  port: z.number().int().optional(),
  /** ms added to every JSON-RPC answer. */
  latencyMs: z.number().min(0).optional(),
  /** JSON-RPC requests per second before a 429 (0: unlimited). */
  rateLimit: z.number().min(0).optional(),
});
/** The running devnet's record. */
export type DevnetRuntime = z.infer<typeof DevnetRuntimeSchema>;

/** Path of the running devnet's record for the data directory of `env`. */
export function devnetRuntimeFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(resolvePaths(env).dataDir, 'devnet', 'daemon.json');
}

/** The record of a devnet running for the data directory of `env` (its pid alive), or undefined. */
export function readDevnetRuntime(env: NodeJS.ProcessEnv = process.env): DevnetRuntime | undefined {
  let record: DevnetRuntime;
  try {
    record = DevnetRuntimeSchema.parse(JSON.parse(fs.readFileSync(devnetRuntimeFile(env), 'utf8')));
  } catch {
    return undefined;
  }
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return record;
}

/** Settings whose unset value follows the running devnet. */
const FROM_RUNNING_DEVNET: Partial<Record<string, (record: DevnetRuntime) => unknown>> = {
  'devnet.port': (r) => r.port ?? (Number(new URL(r.url).port) || undefined),
  'devnet.host': (r) => r.host ?? new URL(r.url).hostname.replace(/^\[|\]$/g, ''),
};

/** One resolved setting. */
export interface ResolvedSetting<K extends SettingKey = SettingKey> {
  key: K;
  value: SettingValues[K];
  source: SettingSource;
  description: string;
  secret: boolean;
}

/** `devnet.port` → `COCOON_DEVNET_PORT`, `testnet.apiKey` → `COCOON_TESTNET_API_KEY`. */
export function envName(key: string): string {
  return 'COCOON_' + key.replaceAll('.', '_').replaceAll(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** True if `key` names a setting. */
export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

function assertKey(key: string): asserts key is SettingKey {
  if (!isSettingKey(key)) {
    throw new CocoonError('INVALID_INPUT', `Unknown setting "${key}".`, {
      hint: `Known settings: ${Object.keys(SETTINGS).join(', ')}. See \`cocoon config list\`.`,
    });
  }
}

function parseValue<K extends SettingKey>(key: K, raw: unknown, origin: string): SettingValues[K] {
  const result = SETTINGS[key].schema.safeParse(raw);
  if (!result.success) {
    const reason = result.error.issues.map((i: z.ZodIssue) => i.message).join('; ');
    throw new CocoonError('INVALID_INPUT', `Invalid value ${JSON.stringify(raw)} for ${key} (from ${origin}): ${reason}.`, {
      hint: SETTINGS[key].description,
    });
  }
  return result.data as SettingValues[K];
}

/** Options for a Settings store. */
export interface SettingsOptions {
  /** Environment to read `COCOON_*` overrides from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Directory of the settings file. Default: resolvePaths(env).configDir. */
  configDir?: string;
  /** Highest-precedence values, usually from command flags. */
  overrides?: Partial<Record<SettingKey, unknown>>;
}

/**
 * The settings file: a flat JSON object of key → value, written atomically with
 * mode 0600. (Not `conf`: its `atomically` dependency pulls in `when-exit`,
 * which re-raises SIGINT after its own cleanup and kills a provider that is
 * still settling payments on Ctrl-C.)
 */
class SettingsFile {
  private data: Record<string, unknown>;

  constructor(readonly path: string) {
    this.data = SettingsFile.read(path);
  }

  private static read(file: string): Record<string, unknown> {
    if (!fs.existsSync(file)) return {};
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      return parsed as Record<string, unknown>;
    } catch (error) {
      throw new CocoonError('CORRUPT_DATA', `The settings file ${file} cannot be read: ${(error as Error).message}`, {
        hint: `Fix or delete ${file} (it only holds settings, no keys).`,
        cause: error,
      });
    }
  }

  get(key: string): unknown {
    return this.data[key];
  }

  set(key: string, value: unknown): void {
    this.save({...this.data, [key]: value});
  }

  delete(key: string): void {
    const {[key]: _removed, ...rest} = this.data;
    this.save(rest);
  }

  private save(next: Record<string, unknown>): void {
    fs.mkdirSync(path.dirname(this.path), {recursive: true, mode: 0o700});
    writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n');
    this.data = next;
  }
}

/**
 * Settings with precedence flags > `COCOON_*` environment > config file > defaults.
 */
export class Settings {
  private readonly env: NodeJS.ProcessEnv;
  private readonly overrides: Partial<Record<SettingKey, unknown>>;
  private readonly conf: SettingsFile;

  private constructor(conf: SettingsFile, options: SettingsOptions) {
    this.conf = conf;
    this.env = options.env ?? process.env;
    this.overrides = options.overrides ?? {};
  }

  /** Open the settings file (created on first write). */
  static async open(options: SettingsOptions = {}): Promise<Settings> {
    const dir = options.configDir ?? resolvePaths(options.env).configDir;
    return new Settings(new SettingsFile(path.join(dir, 'config.json')), options);
  }

  /** Path of the settings file. */
  get path(): string {
    return this.conf.path;
  }

  /** Resolve one setting with its source. */
  resolve<K extends SettingKey>(key: K): ResolvedSetting<K> {
    assertKey(key);
    const def: SettingDef = SETTINGS[key];
    const base = {key, description: def.description, secret: Boolean(def.secret)};
    const override = this.overrides[key];
    if (override !== undefined) return {...base, value: parseValue(key, override, 'flag'), source: 'flag'};
    const fromEnv = this.env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') return {...base, value: parseValue(key, fromEnv, envName(key)), source: 'env'};
    const fromFile = this.conf.get(key);
    if (fromFile !== undefined) return {...base, value: parseValue(key, fromFile, this.path), source: 'file'};
    const follow = FROM_RUNNING_DEVNET[key];
    if (follow) {
      const record = readDevnetRuntime(this.env);
      const value = record && follow(record);
      if (value !== undefined) return {...base, value: parseValue(key, value, devnetRuntimeFile(this.env)), source: 'devnet'};
    }
    return {...base, value: def.default as SettingValues[K], source: 'default'};
  }

  /** The effective value of one setting. */
  get<K extends SettingKey>(key: K): SettingValues[K] {
    return this.resolve(key).value;
  }

  /** Every setting, resolved. */
  list(): ResolvedSetting[] {
    return (Object.keys(SETTINGS) as SettingKey[]).map((key) => this.resolve(key));
  }

  /** Validate and store a value in the settings file. */
  set(key: string, raw: string): ResolvedSetting {
    assertKey(key);
    const value = parseValue(key, raw, 'the command line');
    this.conf.set(key, value);
    return {...this.resolve(key)};
  }

  /** Remove a value from the settings file (the default applies again). */
  unset(key: string): void {
    assertKey(key);
    this.conf.delete(key);
  }
}
