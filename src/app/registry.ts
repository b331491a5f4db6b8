import {Address, Cell} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import {contractCode} from '../chain/contracts/code.js';
import {RegistryConst} from '../chain/contracts/constants.js';
import {GENESIS_INDEX_RESERVE, GENESIS_REGISTRY_RESERVE} from '../chain/contracts/genesis.js';
import type {RegistryParams} from '../chain/contracts/registry-codec.js';
import {readIndexData} from '../chain/contracts/registry-index-codec.js';
import {readIndexGenesis, RegistryIndex} from '../chain/contracts/registry-index.js';
import {readRegistryData} from '../chain/contracts/registry-reader.js';
import {formatTon, parseAddress, parseTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import type {NetworkName} from '../config/settings.js';
import {CocoonError} from '../errors.js';
import type {AppContext} from './context.js';
import {resolveRegistry, type RegistrySource} from './registry-address.js';
import {noSpin, type Spin} from './wallets.js';

/** What `registry deploy` is asked for: parameters as typed in. */
export interface DeployRegistryRequest {
  /** Smallest stake a registration must leave, in GRAM ("1", "0.5 GRAM"); at most 1,000,000 GRAM. */
  minStake: string;
  /** Seconds (or 90s, 10m, 2h, 7d) between unregistering and withdrawing; at most 30 days. */
  unbondingDelay: string;
  /** The owner's wallet. Default: the context's. */
  wallet?: string;
  /** Asked once everything is checked and before anything is signed; false aborts. */
  confirm: (question: string) => Promise<boolean>;
  spin?: Spin;
}

/** What `registry deploy --json` prints. */
export interface RegistryDeployView {
  network: NetworkName;
  wallet: string;
  owner: string;
  params: ParamsView;
  /** The general shard (model '', index 0): the address providers register in and `<network>.registry` holds. */
  registry: string;
  index: string;
  /** What this run deployed (an earlier run that stopped half-way may have deployed the index already). */
  deployed: {index: boolean; registry: boolean};
  /** GRAM left on the accounts: the shard's rent pool and the index's rent. */
  reserves: {registry: string; index: string};
  /** GRAM the wallet paid in fees beyond the reserves. */
  fees: string;
  /** The setting that now names it, and whether it takes effect (an environment variable or flag may override it). */
  saved: {key: string; effective: boolean; replaced?: string};
}

/** Registry parameters as views print them. */
export interface ParamsView {
  /** GRAM. */
  minStake: string;
  /** Seconds. */
  unbondingDelay: number;
}

/** One account of a registry, as `registry show` prints it. */
export interface AccountView {
  address: string;
  active: boolean;
  /** GRAM. */
  balance: string;
  /** Hex SHA-256 of the deployed code ('' when not deployed), and whether it is this CLI's. */
  codeHash: string;
  codeMatches: boolean;
}

/** One record of the shard. */
export interface RecordView {
  nodeKey: string;
  owner: string;
  model: string;
  endpoint: string;
  status: 'active' | 'unbonding';
  /** GRAM. */
  stake: string;
  /** ISO time the prepaid rent runs to, when known. */
  paidUntil?: string;
}

/** What `registry show --json` prints. */
export interface RegistryShowView {
  network: NetworkName;
  /** Where the address came from. */
  source: RegistrySource;
  registry: string;
  index: string;
  owner: string;
  pendingOwner?: string;
  /** The shard's current parameters (set_params may have changed them since genesis). */
  params: ParamsView;
  /** The genesis parameters the index holds: with the owner, they fix every address. */
  genesis?: {owner: string; params: ParamsView};
  shard: AccountView & {
    model: string;
    shardIndex: number;
    /** Whether the shard has announced itself to the index (at its first registration). */
    announced: boolean;
    count: number;
    capacity: number;
    /** GRAM held as stakes (never spent on rent or gas). */
    totalStaked: string;
    /** GRAM of the balance beyond the stakes: the rent pool. */
    rentReserve: string;
  };
  indexAccount: AccountView;
  /** Models the index lists, with their shard counts. */
  models: Array<{model: string; shards: number}>;
  /**
   * Records per listed shard (model order, then shard index; null: not active),
   * read when the index lists at most SHARD_COUNT_LIMIT shards in all; absent
   * beyond that (each shard is one chain read).
   */
  shardRecords?: Array<{model: string; shardIndex: number; address: string; records: number | null}>;
  records: RecordView[];
  /** Owners of records whose texts do not parse. */
  unreadable: string[];
}

/** GRAM the deploy keeps on top of the reserves for the two messages' fees. */
const DEPLOY_FEE_MARGIN = 50_000_000n;

const DURATION = /^(\d+)\s*(s|m|h|d)?$/i;
const UNIT_SECONDS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86_400};

/** "90", "90s", "10m", "2h", "7d" → seconds. */
export function parseDuration(text: string, what: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new CocoonError('INVALID_INPUT', `${what} "${text}" is not a duration.`, {hint: 'Give seconds, or a number with s, m, h or d (e.g. 3600, 90m, 7d).'});
  return Number(match[1]) * UNIT_SECONDS[(match[2] ?? 's').toLowerCase()]!;
}

/** The parameters, checked against the bounds the contract puts on set_params (it checks nothing at deployment). */
export function parseRegistryParams(input: {minStake: string; unbondingDelay: string}): RegistryParams {
  const minStake = parseTon(input.minStake);
  if (minStake > BigInt(RegistryConst.MAX_MIN_STAKE)) {
    throw new CocoonError('INVALID_INPUT', `A minimum stake of ${formatTon(minStake)} GRAM is above the contract's bound of ${formatTon(BigInt(RegistryConst.MAX_MIN_STAKE))} GRAM.`, {
      hint: 'The registry could never change its parameters later (set_params refuses such values); choose a smaller --min-stake.',
    });
  }
  const unbondingDelay = parseDuration(input.unbondingDelay, 'The unbonding delay');
  if (unbondingDelay > RegistryConst.MAX_UNBONDING_DELAY) {
    throw new CocoonError('INVALID_INPUT', `An unbonding delay of ${unbondingDelay} s is above the contract's bound of ${RegistryConst.MAX_UNBONDING_DELAY} s (30 days).`, {
      hint: 'Choose a shorter --unbonding-delay (e.g. 7d).',
    });
  }
  return {minStake, unbondingDelay};
}

function paramsView(p: RegistryParams): ParamsView {
  return {minStake: formatTon(p.minStake), unbondingDelay: p.unbondingDelay};
}

/** A contract's address as views print it (bounceable: these are contracts). */
function contractAddressText(address: Address, network: NetworkName): string {
  return formatAddress(address, network, {bounceable: true});
}

/** Polls until the account is active (toncenter may show the state a little after the transaction). */
async function waitActive(client: ChainClient, address: Address, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await client.state(address)).state === 'active') return;
    if (Date.now() > deadline) {
      throw new CocoonError('TIMEOUT', `${address.toString()} was sent its deployment but is not active yet.`, {hint: 'Run `cocoon registry show ADDRESS` in a minute; run the same deploy again to finish it (it never deploys twice).'});
    }
    await new Promise((resolve) => setTimeout(resolve, client.network === 'devnet' ? 200 : 2000));
  }
}

/**
 * Deploys a registry from the owner's wallet: its index, then its general
 * shard, at the addresses the owner and parameters fix (as the devnet's genesis
 * does, but through the wallet and the chain client, so the same path serves
 * devnet, testnet and mainnet). Waits until both are active and saves the shard
 * as `<network>.registry`. Refuses a registry that already exists at those
 * addresses; finishes one an earlier run left half-deployed.
 */
export async function deployRegistry(app: AppContext, request: DeployRegistryRequest): Promise<RegistryDeployView> {
  const network = app.network;
  const spin = request.spin ?? noSpin;
  // Everything that can be refused is checked before a password is asked or anything is signed.
  const params = parseRegistryParams(request);
  const wallet = app.walletName(request.wallet);
  app.wallets.load(wallet);
  const owner = await app.walletAddress(wallet);
  const index = RegistryIndex.createFromConfig({owner, params});
  const shard = index.shard('', 0);
  const client = await app.chain();
  const [indexState, shardState, ownerState] = await spin('Checking the chain', Promise.all([client.state(index.address), client.state(shard.address), client.state(owner)]));
  const key = `${network}.registry` as const;
  const shardText = contractAddressText(shard.address, network);
  if (indexState.state === 'active' && shardState.state === 'active') {
    const configured = app.settings.get(key);
    const already = configured !== '' && parseAddress(configured).equals(shard.address);
    throw new CocoonError('ALREADY_EXISTS', `A registry owned by ${formatAddress(owner, network)} with a minimum stake of ${formatTon(params.minStake)} GRAM and an unbonding delay of ${params.unbondingDelay} s already exists on ${network}: ${shardText} (index ${contractAddressText(index.address, network)}). Its addresses follow from the owner and the parameters, so it cannot be deployed again.`, {
      hint: already
        ? `It is already this network's registry (${key}); see it with \`cocoon registry show\`.`
        : `Use it with \`cocoon config set ${key} ${shardText}\` (see it with \`cocoon registry show ${shardText}\`), or choose other parameters for a new one.`,
      details: {registry: shard.address.toRawString(), index: index.address.toRawString()},
    });
  }
  const needIndex = indexState.state !== 'active';
  const needShard = shardState.state !== 'active';
  const reserves = (needIndex ? GENESIS_INDEX_RESERVE : 0n) + (needShard ? GENESIS_REGISTRY_RESERVE : 0n);
  if (ownerState.balance < reserves + DEPLOY_FEE_MARGIN) {
    throw new CocoonError('INSUFFICIENT_FUNDS', `The wallet "${wallet}" holds ${formatTon(ownerState.balance)} GRAM; deploying the registry needs about ${formatTon(reserves + DEPLOY_FEE_MARGIN)} GRAM (reserves ${formatTon(reserves)} GRAM, the rest for fees). Nothing was sent.`, {
      hint: network === 'devnet' ? `Fund it with \`cocoon devnet fund ${wallet} 5\`.` : `Send GRAM to ${formatAddress(owner, network)} first.`,
      details: {balance: ownerState.balance.toString(), needed: (reserves + DEPLOY_FEE_MARGIN).toString()},
    });
  }
  const parts = [needIndex && `its index (${formatTon(GENESIS_INDEX_RESERVE)} GRAM reserve)`, needShard && `its general shard (${formatTon(GENESIS_REGISTRY_RESERVE)} GRAM reserve)`].filter(Boolean).join(' and ');
  const question = `Deploy a registry on ${network} owned by "${wallet}" (${formatAddress(owner, network)}): minimum stake ${formatTon(params.minStake)} GRAM, unbonding delay ${params.unbondingDelay} s. This deploys ${parts}, about ${formatTon(reserves + DEPLOY_FEE_MARGIN)} GRAM with fees. Continue?`;
  if (!(await request.confirm(question))) throw new CocoonError('ABORTED', 'Nothing was deployed.');

  const {sender} = await app.sender(wallet);
  const before = await client.balance(owner);
  const openedIndex = client.ton.open(index);
  const openedShard = client.ton.open(shard);
  // The index first: the shard announces itself to it at its first registration.
  if (needIndex) await spin('Deploying the registry index', client.call(() => openedIndex.sendDeploy(sender, GENESIS_INDEX_RESERVE)));
  if (needShard) await spin('Deploying the general shard', client.call(() => openedShard.sendDeploy(sender, GENESIS_REGISTRY_RESERVE)));
  await spin('Waiting for both to be active', Promise.all([waitActive(client, index.address), waitActive(client, shard.address)]));
  const after = await client.balance(owner);

  const previous = app.settings.get(key);
  const saved = app.settings.set(key, shardText);
  return {
    network,
    wallet,
    owner: formatAddress(owner, network),
    params: paramsView(params),
    registry: shardText,
    index: contractAddressText(index.address, network),
    deployed: {index: needIndex, registry: needShard},
    reserves: {registry: formatTon(GENESIS_REGISTRY_RESERVE), index: formatTon(GENESIS_INDEX_RESERVE)},
    fees: formatTon(before - after - reserves > 0n ? before - after - reserves : 0n),
    saved: {key, effective: saved.source === 'file', ...(previous && previous !== shardText ? {replaced: previous} : {})},
  };
}

interface RawAccount {
  address: Address;
  active: boolean;
  balance: bigint;
  code?: Cell;
  data?: Cell;
}

async function readAccount(client: ChainClient, address: Address): Promise<RawAccount> {
  const s = await client.call((ton) => ton.getContractState(address));
  const active = s.state === 'active';
  return {
    address,
    active,
    balance: s.balance,
    ...(active && s.code ? {code: Cell.fromBoc(s.code)[0]!} : {}),
    ...(active && s.data ? {data: Cell.fromBoc(s.data)[0]!} : {}),
  };
}

function accountView(account: RawAccount, expected: Cell, network: NetworkName): AccountView {
  const codeHash = account.code ? account.code.hash().toString('hex') : '';
  return {address: contractAddressText(account.address, network), active: account.active, balance: formatTon(account.balance), codeHash, codeMatches: codeHash === expected.hash().toString('hex')};
}

/** Most shards `registry show` reads one by one for their record counts (each is a chain read). */
export const SHARD_COUNT_LIMIT = 64;

/** Each listed shard's record count, from its account data (the shard already read is not read again); reads concurrent, paced by the chain client. */
async function shardRecordCounts(client: ChainClient, index: RegistryIndex, listed: Array<{model: string; shards: number}>, known: RawAccount, network: NetworkName): Promise<NonNullable<RegistryShowView['shardRecords']>> {
  const refs = listed.flatMap((m) => Array.from({length: m.shards}, (_, shardIndex) => ({model: m.model, shardIndex, address: index.shard(m.model, shardIndex).address})));
  return Promise.all(
    refs.map(async (ref) => {
      const account = ref.address.equals(known.address) ? known : await readAccount(client, ref.address);
      return {model: ref.model, shardIndex: ref.shardIndex, address: contractAddressText(ref.address, network), records: account.active && account.data ? readRegistryData(account.data).count : null};
    }),
  );
}

/** What `registry show` is asked for. */
export interface ShowRegistryRequest {
  /** A registry's general shard (or any shard) or its index. Default: this network's registry (resolveRegistry). */
  address?: string;
  spin?: Spin;
}

/**
 * A registry as the chain holds it: owner, parameters, index and its models,
 * the shard's records, balances, rent reserve and code hashes. Takes a shard or
 * an index address (an index leads to its general shard).
 */
export async function showRegistry(app: AppContext, request: ShowRegistryRequest = {}): Promise<RegistryShowView> {
  const network = app.network;
  const spin = request.spin ?? noSpin;
  const resolved = request.address ? {address: parseAddress(request.address), source: 'argument' as const} : await resolveRegistry(app.settings);
  const from = {argument: 'given', setting: `the ${network}.registry setting`, published: `the registry published for ${network}`, genesis: "the devnet's genesis registry"}[resolved.source];
  const client = await app.chain();
  const shardCode = contractCode('registry');
  const indexCode = contractCode('registry-index');
  let shard = await spin('Reading the registry', readAccount(client, resolved.address));
  if (!shard.active) {
    throw new CocoonError('NOT_FOUND', `No registry is deployed at ${contractAddressText(resolved.address, network)} on ${network} (${from}).`, {
      hint: resolved.source === 'setting' ? `Check the network, or fix the setting with \`cocoon config set ${network}.registry ADDRESS\` (unset it to fall back to the published or genesis registry).` : 'Check the network and the address.',
    });
  }
  if (shard.code?.equals(indexCode)) {
    // An index: its data names the genesis, which fixes the general shard.
    const genesis = readIndexGenesis(shard.data!);
    shard = await readAccount(client, RegistryIndex.createFromConfig(genesis).shard('', 0).address);
    if (!shard.active) throw new CocoonError('NOT_FOUND', `${contractAddressText(resolved.address, network)} is a registry index, but its general shard is not deployed.`, {hint: 'Deploy it with `cocoon registry deploy` from the owner wallet, with the same parameters.'});
  }
  if (!shard.code?.equals(shardCode)) {
    throw new CocoonError('INVALID_INPUT', `${contractAddressText(resolved.address, network)} (${from}) is not a registry of this version: its code hash is ${shard.code?.hash().toString('hex') ?? 'unknown'}, a registry shard's ${shardCode.hash().toString('hex')}.`, {
      hint: 'Give the address of a registry shard or index (see `cocoon registry show` without an address).',
    });
  }
  const snapshot = readRegistryData(shard.data!);
  const index = await readAccount(client, snapshot.directory);
  const genesis = index.active && index.code?.equals(indexCode) && index.data ? readIndexGenesis(index.data) : undefined;
  const listed = genesis && index.data ? readIndexData(index.data).map((m) => ({model: m.model, shards: m.shards})) : [];
  const totalShards = listed.reduce((n, m) => n + m.shards, 0);
  const withCounts = genesis !== undefined && totalShards <= SHARD_COUNT_LIMIT;
  const models = listed;
  const shardRecords = withCounts ? await spin('Reading the shards', shardRecordCounts(client, RegistryIndex.createFromAddress(snapshot.directory, genesis), listed, shard, network)) : undefined;
  const rentReserve = shard.balance > snapshot.totalStaked ? shard.balance - snapshot.totalStaked : 0n;
  return {
    network,
    source: resolved.source,
    registry: contractAddressText(shard.address, network),
    index: contractAddressText(snapshot.directory, network),
    owner: formatAddress(snapshot.owner, network),
    ...(snapshot.pendingOwner ? {pendingOwner: formatAddress(snapshot.pendingOwner, network)} : {}),
    params: paramsView(snapshot.params),
    ...(genesis ? {genesis: {owner: formatAddress(genesis.owner, network), params: paramsView(genesis.params)}} : {}),
    shard: {
      ...accountView(shard, shardCode, network),
      model: snapshot.model,
      shardIndex: snapshot.shardIndex,
      announced: snapshot.announced,
      count: snapshot.count,
      capacity: RegistryConst.SHARD_CAPACITY,
      totalStaked: formatTon(snapshot.totalStaked),
      rentReserve: formatTon(rentReserve),
    },
    indexAccount: accountView(index, indexCode, network),
    models,
    ...(shardRecords ? {shardRecords} : {}),
    records: snapshot.providers.map((r) => ({
      nodeKey: r.nodeKey.toString('hex'),
      owner: formatAddress(r.owner, network),
      model: r.model,
      endpoint: r.endpoint,
      status: r.status,
      stake: formatTon(r.stake),
      ...(r.paidUntil ? {paidUntil: new Date(r.paidUntil * 1000).toISOString()} : {}),
    })),
    unreadable: snapshot.unreadable.map((a) => formatAddress(a, network)),
  };
}
