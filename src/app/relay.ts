import {CocoonError} from '../errors.js';
import {Registry} from '../chain/contracts/registry.js';
import {formatTon, parseTon} from '../chain/units.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {startRelay, type Relay, type RelayLimits} from '../p2p/relay.js';
import {listRelays, relayProfile, type ListedRelay} from '../consumer/relay-listing.js';
import {registerProvider} from '../provider/registration.js';
import type {AppContext} from './context.js';

/** The node key name a listed relay's identity is derived from, unless told otherwise. */
export const DEFAULT_RELAY_NODE = 'relay';

/** What `relay start` is asked for, as typed. */
export interface RelayRequest {
  /** Multiaddrs to listen on. Default: loopback TCP and WebSockets on free ports. */
  listen?: string[];
  announce?: string[];
  maxReservations?: number;
  /** Minutes a relayed connection may stay open. */
  maxMinutes?: number;
  /** MiB a relayed connection may carry. */
  maxMiB?: number;
  circuitsPerMinute?: number;
  /** Keep the peer id of this node key (what `relay register` listed). Default: a fresh identity each start. */
  node?: string;
}

/** What `relay start` prints (and `--json` gives). */
export interface RelayView {
  peerId: string;
  /** What providers pass to `provide register --relay` (with /p2p/<peer id>). */
  multiaddrs: string[];
  limits: RelayLimits;
  /** Whether it listens beyond loopback. */
  public: boolean;
}

/** The view of a running relay. */
export function relayView(relay: Relay): RelayView {
  const loopback = relay.multiaddrs.every((a) => a.startsWith('/ip4/127.') || a.startsWith('/ip6/::1/'));
  return {peerId: relay.peerId, multiaddrs: relay.multiaddrs, limits: relay.limits, public: !loopback};
}

function positive(name: string, v: number | undefined): number | undefined {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new CocoonError('INVALID_INPUT', `${name} must be a positive number, not ${v}.`);
  return v;
}

/** The libp2p identity of a relay node key (created when asked): the same node key always gives the same peer id. */
async function relayIdentity(app: AppContext, node: string, create: boolean) {
  const {derivePeerKey} = await import('../p2p/peer-key.js');
  const {peerIdFromPrivateKey} = await import('@libp2p/peer-id');
  if (!create && !app.hasNodeKey(node)) {
    throw new CocoonError('NOT_FOUND', `This machine has no key for node "${node}".`, {hint: `List the relay first: \`cocoon relay register --node ${node} --announce MULTIADDR\`, or drop --node for a throwaway identity.`});
  }
  const unlocked = await app.nodeKey({create, node});
  const privateKey = await derivePeerKey(unlocked.key.ed25519Seed);
  return {...unlocked, privateKey, peerId: peerIdFromPrivateKey(privateKey).toString()};
}

/** Start a circuit relay v2 server with explicit limits (docs/p2p.md). */
export async function startAppRelay(request: RelayRequest = {}, app?: AppContext): Promise<Relay> {
  const minutes = positive('--max-minutes', request.maxMinutes);
  const mib = positive('--max-mib', request.maxMiB);
  const identity = request.node && app ? await relayIdentity(app, request.node, false) : undefined;
  return startRelay({
    ...(identity ? {privateKey: identity.privateKey} : {}),
    listen: request.listen?.length ? request.listen : undefined,
    announce: request.announce?.length ? request.announce : undefined,
    maxReservations: positive('--max-reservations', request.maxReservations),
    connectionDurationMs: minutes === undefined ? undefined : Math.round(minutes * 60_000),
    connectionDataBytes: mib === undefined ? undefined : BigInt(Math.round(mib * 1024 * 1024)),
    circuitsPerMinutePerPeer: positive('--circuits-per-minute', request.circuitsPerMinute),
  });
}

/** A listed relay as `relay list` shows it. */
export interface ListedRelayView {
  peerId: string;
  multiaddrs: string[];
  owner: string;
  /** GRAM staked. */
  stake: string;
  /** With --check: whether it answered a dial and ping, and how fast (ms). */
  live?: boolean;
  rttMs?: number;
}

/** What `relay register` did. */
export interface RelayRegisterView {
  node: string;
  nodeKeyCreated: boolean;
  peerId: string;
  multiaddrs: string[];
  stake: string;
  /** The command that serves this listing (same node key, so the same peer id). */
  start: string;
}

/** List a relay on chain: a registry record of kind 3 under `cocoon/relay`, staked and paying rent like any record. */
export async function registerRelay(app: AppContext, options: {announce: string[]; stake?: string; node?: string; wallet?: string}): Promise<RelayRegisterView> {
  const node = options.node ?? DEFAULT_RELAY_NODE;
  // Addresses are checked before the node key is unlocked or anything is sent.
  if (options.announce.length === 0) throw new CocoonError('USAGE', 'No address to list.', {hint: 'Pass --announce MULTIADDR, the public address the relay listens on (e.g. /ip4/203.0.113.7/tcp/4001).'});
  const stake = options.stake === undefined ? undefined : parseTon(options.stake);
  const identity = await relayIdentity(app, node, true);
  const profile = relayProfile({nodeKey: identity.key, peerId: identity.peerId, addrs: options.announce});
  const access = await app.registryAccess(options.wallet);
  const minStake = async () => (await access.client.call(() => access.client.ton.open(Registry.createFromAddress(access.registry)).getParams())).minStake;
  const record = await registerProvider(access, {profile, stake: stake ?? (await minStake())});
  const addrs = (record.extension?.libp2p ?? '').split(',');
  return {
    node,
    nodeKeyCreated: identity.created,
    peerId: identity.peerId,
    multiaddrs: addrs.map((a) => `${a}/p2p/${identity.peerId}`),
    stake: formatTon(record.stake),
    start: `cocoon relay start --node ${node} ${addrs.map((a) => `--announce ${a}`).join(' ')}`,
  };
}

function view(app: AppContext, r: ListedRelay): ListedRelayView {
  return {peerId: r.peerId, multiaddrs: r.multiaddrs, owner: formatAddress(r.owner, app.network), stake: formatTon(r.stake)};
}

/** The relays listed on chain; with `check`, each dialed and pinged (live ones first, fastest first). */
export async function listedRelays(app: AppContext, options: {check?: boolean} = {}): Promise<ListedRelayView[]> {
  const relays = await listRelays(await app.chainAccess());
  const views = relays.map((r) => view(app, r));
  if (!options.check || views.length === 0) return views;
  const {probeRelays} = await import('../p2p/relay-probe.js');
  const probes = await probeRelays(views.map((v) => v.multiaddrs[0]!));
  const checked = views.map((v, i) => ({...v, live: probes[i]!.rttMs !== undefined, ...(probes[i]!.rttMs === undefined ? {} : {rttMs: Math.round(probes[i]!.rttMs! * 10) / 10})}));
  return checked.sort((a, b) => Number(b.live) - Number(a.live) || (a.rttMs ?? Infinity) - (b.rttMs ?? Infinity));
}

/** How many listed relays `--relay auto` picks. */
export const AUTO_RELAYS = 3;

/** `--relay auto`: the listed relays that answer, fastest first, at most `count`; the given relays when not asked for auto. */
export async function resolveRelays(app: AppContext, relays: string[] | undefined, count = AUTO_RELAYS): Promise<string[] | undefined> {
  if (!relays?.includes('auto')) return relays;
  const others = relays.filter((r) => r !== 'auto');
  const live = (await listedRelays(app, {check: true})).filter((r) => r.live);
  if (live.length === 0 && others.length === 0) {
    throw new CocoonError('NOT_FOUND', 'No relay listed on chain answers.', {hint: 'Pass --relay MULTIADDR (what `cocoon relay start` prints), or list one: `cocoon relay register --announce MULTIADDR`.'});
  }
  return [...others, ...live.slice(0, Math.max(0, count - others.length)).map((r) => r.multiaddrs[0]!)];
}
