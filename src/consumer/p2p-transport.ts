import http from 'node:http';
import type {Duplex} from 'node:stream';
import type {Multiaddr} from '@multiformats/multiaddr';
import type {Connection} from '@libp2p/interface';
import {CocoonError} from '../errors.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import type {P2pNode} from '../p2p/node.js';
import {transportResponse, type Transport, type TransportResponse} from './http-transport.js';

// js-libp2p takes ~1 s to import on this machine: it is loaded on the first libp2p dial, never by
// `ask`, discovery or the gateway for HTTP providers.
const lib = () =>
  Promise.all([import('../p2p/node.js'), import('../p2p/stream-duplex.js'), import('@multiformats/multiaddr'), import('@libp2p/peer-id')]).then(
    ([node, duplex, ma, peerId]) => ({...node, ...duplex, ...ma, ...peerId}),
  );
type Lib = Awaited<ReturnType<typeof lib>>;

/** Where a provider reached through libp2p can be dialed (its registry record's extension). */
export interface P2pPeer {
  /** The provider's peer id (12D3KooW…). */
  peerId: string;
  /** Relay addresses, with or without /p2p/<relay id> (a relay's id is learnt by dialing it). */
  relays: string[];
  /** Direct addresses of the provider, if it has any. */
  direct?: string[];
}

/** The scheme of a registry endpoint reached through libp2p: `libp2p://<peer id>`. */
export const P2P_SCHEME = 'libp2p:';

/** Whether a registry endpoint is reached through libp2p. */
export const isP2pEndpoint = (endpoint: string): boolean => endpoint.startsWith(`${P2P_SCHEME}//`);

/** A record's libp2p peer, or undefined when its endpoint is plain HTTP. */
export function p2pPeerOf(record: Pick<ProviderRecord, 'endpoint' | 'extension'>): P2pPeer | undefined {
  if (!isP2pEndpoint(record.endpoint)) return undefined;
  const peerId = new URL(record.endpoint).host;
  const direct = (record.extension?.libp2p ?? '').split(',').filter((a) => a.length > 0 && !/^\/p2p\/[^/]+$/.test(a));
  return {peerId, relays: record.extension?.relays ?? [], direct};
}

// A relayed connection is opened again when less than this is left of its relay's limits, so an answer never
// starts on a connection the relay is about to cut (the relay's defaults are set by `cocoon relay start`).
const MIN_SECONDS_LEFT = 600;
const MIN_BYTES_LEFT = 16n * 1024n * 1024n;

/** Options of P2pDialer. */
export interface P2pDialerOptions {
  /** Dial timeout per attempt, ms. Default: 10 s. */
  dialTimeoutMs?: number;
  /**
   * Also listen on these multiaddrs (a consumer with a public address, e.g. a gateway on a server): a provider
   * behind NAT that is reached through a relay then dials back directly (DCUtR's unilateral upgrade) and the
   * relay drops out of the path. Announced as given when every one names its port. Default: none (dial out only).
   */
  listen?: string[];
}

/** The listen addresses of the process's shared dialer: COCOON_P2P_LISTEN, comma-separated multiaddrs. */
export function p2pListenFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const list = (env.COCOON_P2P_LISTEN ?? '').split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  return list.length > 0 ? list : undefined;
}

/**
 * The consumer's libp2p side: one node per process, dialing out only; one
 * warm libp2p connection per provider (relayed, or direct once DCUtR has
 * upgraded it), and node:http over a stream per HTTP connection through a
 * keep-alive agent, so a warm answer pays neither a dial nor a handshake.
 */
export class P2pDialer {
  private node?: Promise<P2pNode>;
  private libp2p?: Promise<Lib>;
  private readonly agents = new Map<string, P2pAgent>();
  private readonly dialing = new Map<string, Promise<Connection>>();

  constructor(private readonly options: P2pDialerOptions = {}) {}

  private lib(): Promise<Lib> {
    this.libp2p ??= lib();
    return this.libp2p;
  }

  private start(): Promise<P2pNode> {
    this.node ??= this.lib().then(async (l) => {
      const listen = this.options.listen;
      // A public address is announced as given (libp2p would hide it until AutoNAT, which is not run, confirms it).
      const announce = listen?.every((a) => !/\/tcp\/0(\/|$)/.test(a)) ? listen : undefined;
      const node = await l.createP2pNode(listen ? {listen, ...(announce ? {announce} : {})} : {});
      await node.start();
      return node;
    });
    return this.node;
  }

  /** Load js-libp2p and start the node (a probe's clock should not count the imports). */
  async ready(): Promise<void> {
    await this.start();
  }

  /** An open connection to the peer: the best one there is (direct first), or a new one through its relays. */
  async connection(peer: P2pPeer, signal?: AbortSignal): Promise<Connection> {
    const node = await this.start();
    const {peerIdFromString} = await this.lib();
    const id = peerIdFromString(peer.peerId);
    const usable = node
      .getConnections(id)
      .filter((c) => c.status === 'open' && !nearLimit(c))
      .sort((a, b) => Number(a.limits !== undefined) - Number(b.limits !== undefined));
    if (usable[0]) return usable[0];
    let pending = this.dialing.get(peer.peerId);
    if (!pending) {
      pending = this.dial(node, peer, signal).finally(() => this.dialing.delete(peer.peerId));
      this.dialing.set(peer.peerId, pending);
    }
    return pending;
  }

  private async dial(node: P2pNode, peer: P2pPeer, signal?: AbortSignal): Promise<Connection> {
    const l = await this.lib();
    const {multiaddr, peerIdFromString} = l;
    const timeout = () => AbortSignal.any([AbortSignal.timeout(this.options.dialTimeoutMs ?? 10_000), ...(signal ? [signal] : [])]);
    const errors: string[] = [];
    const stale = node.getConnections(peerIdFromString(peer.peerId)).length > 0;
    // Direct addresses first, then each relay in the record's order: the first that answers is used.
    for (const addr of peer.direct ?? []) {
      try {
        return await node.dial(multiaddr(addr.includes('/p2p/') ? addr : `${addr}/p2p/${peer.peerId}`), {signal: timeout(), force: stale});
      } catch (error) {
        errors.push(`${addr}: ${(error as Error).message}`);
      }
    }
    for (const relay of peer.relays) {
      try {
        const circuit = await circuitAddr(l, node, relay, peer.peerId, timeout());
        return await node.dial(circuit, {signal: timeout(), force: stale});
      } catch (error) {
        errors.push(`${relay}: ${(error as Error).message}`);
      }
    }
    throw new CocoonError('PROVIDER_UNAVAILABLE', `Cannot reach provider ${peer.peerId} through libp2p (${errors.join('; ') || 'it names no relay'}).`, {
      hint: 'Its relays may be down or full; another provider may answer.',
    });
  }

  /** A new HTTP connection to the peer: a `/cocoon/http/1` stream on its warm libp2p connection. */
  async openStream(peer: P2pPeer, signal?: AbortSignal): Promise<Duplex> {
    const conn = await this.connection(peer, signal);
    const {HTTP_PROTOCOL, StreamDuplex} = await this.lib();
    const stream = await conn.newStream(HTTP_PROTOCOL, {runOnLimitedConnection: true, signal: signal ?? AbortSignal.timeout(10_000)});
    stream.inactivityTimeout = 0;
    return new StreamDuplex(stream, {remoteAddress: `p2p:${peer.peerId}`});
  }

  private agent(peer: P2pPeer): http.Agent {
    const agent = this.agents.get(peer.peerId) ?? new P2pAgent(this, peer);
    // A record read again may name other relays: the next connection uses them.
    agent.peer = peer;
    this.agents.set(peer.peerId, agent);
    return agent;
  }

  /** A Transport for `libp2p://<peer id>/…` URLs of this peer. */
  transport(peer: P2pPeer): Transport {
    return (url, init) => request(this.agent(peer), peer, url, init);
  }

  /** Close every connection and stop the node (a CLI process ends after this). */
  async close(): Promise<void> {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
    const node = this.node;
    this.node = undefined;
    if (node) await (await node).stop();
  }
}

function nearLimit(c: Connection): boolean {
  if (!c.limits) return false;
  return (c.limits.seconds !== undefined && c.limits.seconds < MIN_SECONDS_LEFT) || (c.limits.bytes !== undefined && c.limits.bytes < MIN_BYTES_LEFT);
}

async function circuitAddr(l: Lib, node: P2pNode, relay: string, peerId: string, signal: AbortSignal): Promise<Multiaddr> {
  let ma = l.multiaddr(relay);
  if (!ma.getComponents().some((c) => c.name === 'p2p')) {
    // The record may name a relay without its id (to fit several): the relay's Noise handshake tells it.
    const conn = await node.dial(ma, {signal});
    ma = ma.encapsulate(`/p2p/${conn.remotePeer.toString()}`);
  }
  return ma.encapsulate(`/p2p-circuit/p2p/${peerId}`);
}

/** node:http's keep-alive agent whose sockets are libp2p streams to one peer. */
class P2pAgent extends http.Agent {
  constructor(
    private readonly dialer: P2pDialer,
    public peer: P2pPeer,
  ) {
    super({keepAlive: true, timeout: 4_000});
  }

  override createConnection(_options: http.ClientRequestArgs, callback?: (error: Error | null, socket: Duplex) => void): undefined {
    this.dialer.openStream(this.peer).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as never),
    );
    return undefined;
  }
}

function request(agent: http.Agent, peer: P2pPeer, url: string, init: Parameters<Transport>[1]): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== P2P_SCHEME || target.host !== peer.peerId) {
      return reject(new CocoonError('INVALID_INPUT', `${url} is not an address of libp2p peer ${peer.peerId}.`));
    }
    const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
    const req = http.request(
      {
        agent,
        host: peer.peerId,
        path: target.pathname + target.search,
        method: init.method,
        signal: init.signal,
        headers: {host: peer.peerId, ...init.headers, ...(body ? {'content-length': String(body.byteLength)} : {})},
      },
      (res) => resolve(transportResponse(res)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

let shared: P2pDialer | undefined;

/** The process's dialer (made on first use). */
export function sharedP2pDialer(): P2pDialer {
  shared ??= new P2pDialer({listen: p2pListenFromEnv()});
  return shared;
}

/** Stop the process's dialer, if one was made: its node's sockets and timers keep a process alive. */
export async function closeSharedP2pDialer(): Promise<void> {
  const d = shared;
  shared = undefined;
  holds = 0;
  await d?.close();
}

let holds = 0;

/**
 * Run `work` with the process's dialer held, and stop the dialer once nothing
 * holds it (what a one-shot caller such as `cocoon ask` needs to exit). A
 * long-lived caller (the gateway) keeps its warm connections by not using this.
 */
export async function withSharedP2pDialer<T>(work: () => Promise<T>): Promise<T> {
  holds += 1;
  try {
    return await work();
  } finally {
    holds -= 1;
    if (holds <= 0) await closeSharedP2pDialer();
  }
}

/** The transport a record needs: libp2p for `libp2p://` endpoints, else undefined (the client's HTTP default). */
export function transportForRecord(record: Pick<ProviderRecord, 'endpoint' | 'extension'>): Transport | undefined {
  const peer = p2pPeerOf(record);
  return peer ? sharedP2pDialer().transport(peer) : undefined;
}
