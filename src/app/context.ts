import fs from 'node:fs';
import path from 'node:path';
import type {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import {checkNodeName, DEFAULT_NODE, NODE_NAME, nodeKeyPath} from '../config/paths.js';
import type {NetworkName, Settings} from '../config/settings.js';
import {ChannelStore} from '../consumer/channel-store.js';
import type {FundingPolicy, FundingPolicyOptions, PayingWallet} from '../consumer/funding.js';
import type {NodeKey} from '../crypto/node-key.js';
import {CocoonError} from '../errors.js';
import type {RegistryAccess} from '../provider/registration.js';
import {WalletStore} from '../wallet/store.js';
import type {WalletSender} from '../wallet/wallet-sender.js';

// The chain, wallet, contract and crypto libraries load on first use (they cost
// ~100–300 ms of start-up), so a command that touches none of them pays nothing.

/** A secret the context needs: a wallet's password, or the node key's (`creating`: a new one, to be confirmed). */
export type SecretRequest = {kind: 'wallet'; name: string} | {kind: 'node-key'; creating: boolean; node?: string};

/** Where passwords come from: the CLI prompts or reads the environment; a server reads the environment only. */
export type SecretSource = (request: SecretRequest) => Promise<string>;

/** Options of AppContext.open. */
export interface AppContextOptions {
  settings: Settings;
  /** Supplies passwords when a wallet or the node key must be unlocked. Default: none (NO_TERMINAL when one is needed). */
  secrets?: SecretSource;
  /** The wallet to use unless a call names one (e.g. a --wallet flag). Default: the `wallet` setting, else the only wallet. */
  wallet?: string;
  /** The wallet store. Default: the data directory's. */
  wallets?: WalletStore;
  /** The consumer's channel store. Default: the data directory's, for the selected network. */
  channels?: ChannelStore;
  /** The default node's key file. Default: `<data>/node/node-key.json`; a named node's key is `<its directory>/<name>/node-key.json`. */
  nodeKeyFile?: string;
  /** Told about something the user should fix (a keystore others can read). Default: silent. */
  onWarning?: (message: string) => void;
  /**
   * Where operations in flight are recorded (wallet messages, registrations), so
   * the next run can settle them from the chain. Default: the data directory.
   */
  journalDir?: string;
}

/** FundingPolicy options the context fills in itself. */
export type FundingOptions = Omit<FundingPolicyOptions, 'client' | 'store' | 'wallet'> & {
  /** Pays from this wallet. Default: the context's. */
  wallet?: string;
};

const noSecrets: SecretSource = async () => {
  throw new CocoonError('NO_TERMINAL', 'A password is needed and nothing can supply one here.', {hint: 'Set COCOON_WALLET_PASSWORD (or COCOON_NODE_PASSWORD for the node key).'});
};

/**
 * Settings turned into everything a command, the gateway, the demo or an SDK
 * user needs: the chain client, the registry address, the stores, wallets
 * unlocked on demand (once each), and the node key. Each part is built on
 * first use, so a command pays only for what it touches.
 */
export class AppContext {
  readonly settings: Settings;
  readonly network: NetworkName;
  readonly wallets: WalletStore;
  private readonly secrets: SecretSource;
  private chainClient?: Promise<ChainClient>;
  private registryAt?: Promise<Address>;
  private channelStore?: ChannelStore;
  private readonly senders = new Map<string, Promise<WalletSender>>();
  private readonly unlockedNodeKeys = new Map<string, Promise<{key: NodeKey; created: boolean; path: string}>>();

  private constructor(private readonly options: AppContextOptions) {
    this.settings = options.settings;
    this.network = options.settings.get('network');
    this.wallets = options.wallets ?? new WalletStore(undefined, {onWarning: options.onWarning});
    this.secrets = options.secrets ?? noSecrets;
    this.channelStore = options.channels;
  }

  /** A context for `settings` (nothing is read or connected yet). */
  static open(options: AppContextOptions): AppContext {
    return new AppContext(options);
  }

  /** The chain client of the selected network (connected once). */
  chain(): Promise<ChainClient> {
    this.chainClient ??= import('../chain/client.js').then(({ChainClient}) => ChainClient.fromSettings(this.settings));
    return this.chainClient;
  }

  /** The provider registry's address (asked of the devnet, or from settings, once). */
  registry(): Promise<Address> {
    this.registryAt ??= import('./registry-address.js').then(({registryAddress}) => registryAddress(this.settings));
    // A failed lookup (devnet not started yet) is tried again next time.
    this.registryAt.catch(() => (this.registryAt = undefined));
    return this.registryAt;
  }

  /** The chain client and the registry address together. */
  async chainAccess(): Promise<{client: ChainClient; registry: Address}> {
    const [client, registry] = await Promise.all([this.chain(), this.registry()]);
    return {client, registry};
  }

  /** The consumer's channels on this network. */
  get channels(): ChannelStore {
    this.channelStore ??= new ChannelStore(this.network);
    return this.channelStore;
  }

  /** The wallet a call means: `requested`, else the context's, else the `wallet` setting, else the only one. */
  walletName(requested?: string): string {
    return this.wallets.resolveName(requested ?? this.options.wallet, this.settings.get('wallet') || undefined);
  }

  /** A stored wallet's address on this network (no password needed). */
  async walletAddress(name?: string): Promise<Address> {
    const keystore = this.wallets.load(this.walletName(name));
    const {walletContract} = await import('../chain/wallet-contract.js');
    return (await walletContract(Buffer.from(keystore.publicKey, 'hex'), this.network)).address;
  }

  /** A wallet unlocked for signing (its password asked once per context). */
  async sender(name?: string): Promise<PayingWallet> {
    const wallet = this.walletName(name);
    let sender = this.senders.get(wallet);
    if (!sender) {
      sender = (async () => {
        this.wallets.load(wallet);
        const [{unlockWallet}, {WalletSender}, {explainExit}, {Outbox}] = await Promise.all([
          import('../wallet/service.js'),
          import('../wallet/wallet-sender.js'),
          import('../chain/exit-messages.js'),
          import('../wallet/outbox.js'),
        ]);
        const outbox = this.options.journalDir ? new Outbox(this.network, path.join(this.options.journalDir, 'outbox', this.network)) : undefined;
        const unlocked = await unlockWallet(this.wallets, wallet, await this.secrets({kind: 'wallet', name: wallet}));
        return WalletSender.create({client: await this.chain(), keyPair: unlocked, explainExit, outbox});
      })();
      this.senders.set(wallet, sender);
      sender.catch(() => this.senders.delete(wallet));
    }
    return {name: wallet, sender: await sender};
  }

  /** The chain, the registry and a wallet that signs registry calls. */
  async registryAccess(wallet?: string): Promise<RegistryAccess> {
    const {sender} = await this.sender(wallet);
    const journalDir = this.options.journalDir && path.join(this.options.journalDir, 'provider', this.network);
    return {...(await this.chainAccess()), sender, ...(journalDir ? {journalDir} : {})};
  }

  /** The funding policy for asks and gateways of this context. */
  async funding(options: FundingOptions): Promise<FundingPolicy> {
    const {wallet, ...rest} = options;
    const {FundingPolicy} = await import('../consumer/funding.js');
    return new FundingPolicy({...rest, client: await this.chain(), store: this.channels, closeDelay: rest.closeDelay ?? this.settings.get('channel.closeDelay'), wallet: () => this.sender(wallet)});
  }

  /** Path of the default node's key file. */
  get nodeKeyFile(): string {
    return this.nodeKeyPath();
  }

  /** Path of a node's key file (default: the default node, `<data>/node/node-key.json`). */
  nodeKeyPath(node: string = DEFAULT_NODE): string {
    const custom = this.options.nodeKeyFile;
    if (!custom) return nodeKeyPath(node);
    checkNodeName(node);
    return node === DEFAULT_NODE ? custom : path.join(path.dirname(custom), node, 'node-key.json');
  }

  /** True when this machine has a key for `node` (default: the default node). */
  hasNodeKey(node: string = DEFAULT_NODE): boolean {
    return fs.existsSync(this.nodeKeyPath(node));
  }

  /** Names of the nodes with a key on this machine: the default node first, then by name. */
  nodeNames(): string[] {
    const root = path.dirname(this.nodeKeyPath());
    const named = fs.existsSync(root) ? fs.readdirSync(root).filter((n) => NODE_NAME.test(n) && n !== DEFAULT_NODE && fs.existsSync(path.join(root, n, 'node-key.json'))) : [];
    return [...(this.hasNodeKey() ? [DEFAULT_NODE] : []), ...named.sort()];
  }

  /**
   * A node's public Ed25519 key from its key file's clear header (no password:
   * enough to find its record; unlocking checks the header against the secret), or
   * undefined when the node has no key here.
   */
  nodePublicKey(node: string = DEFAULT_NODE): Buffer | undefined {
    const file = this.nodeKeyPath(node);
    if (!fs.existsSync(file)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CocoonError('CORRUPT_DATA', `The node key file ${file} is not valid.`, {cause: error});
    }
    const hex = (parsed as {ed25519PublicKey?: unknown}).ed25519PublicKey;
    if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) throw new CocoonError('CORRUPT_DATA', `The node key file ${file} has no public key.`);
    return Buffer.from(hex, 'hex');
  }

  /** A password from the context's secret source (the CLI: the environment or a prompt), for a caller that must keep it, such as a service install. */
  secret(request: SecretRequest): Promise<string> {
    return this.secrets(request);
  }

  /** A node's key, unlocked (once per context and node); `create` makes (and saves, encrypted) one when there is none. */
  nodeKey(options: {create?: boolean; node?: string} = {}): Promise<{key: NodeKey; created: boolean; path: string}> {
    const node = options.node ?? DEFAULT_NODE;
    let unlocked = this.unlockedNodeKeys.get(node);
    if (!unlocked) {
      unlocked = this.unlockNodeKey(node, options);
      this.unlockedNodeKeys.set(node, unlocked);
      unlocked.catch(() => this.unlockedNodeKeys.delete(node));
    }
    return unlocked;
  }

  private async unlockNodeKey(node: string, options: {create?: boolean}): Promise<{key: NodeKey; created: boolean; path: string}> {
    const file = this.nodeKeyPath(node);
    const named = node === DEFAULT_NODE ? {} : {node};
    const {generateNodeKey, loadNodeKey, saveNodeKey} = await import('../crypto/node-key.js');
    if (this.hasNodeKey(node)) return {key: await loadNodeKey({path: file, password: await this.secrets({kind: 'node-key', creating: false, ...named})}), created: false, path: file};
    if (!options.create) {
      const which = node === DEFAULT_NODE ? 'This machine has no provider node key yet.' : `This machine has no key for node "${node}".`;
      throw new CocoonError('NOT_FOUND', which, {hint: `Run \`cocoon provide register${node === DEFAULT_NODE ? '' : ` --node ${node}`}\` first (it creates one).`});
    }
    const password = await this.secrets({kind: 'node-key', creating: true, ...named});
    const key = await generateNodeKey();
    await saveNodeKey(key, {path: file, password});
    return {key, created: true, path: file};
  }
}
