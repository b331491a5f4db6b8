import type {Duplex} from 'node:stream';
import {multiaddr, type Multiaddr} from '@multiformats/multiaddr';
import {CocoonError} from '../errors.js';
import {createP2pNode, HTTP_PROTOCOL, type P2pNode} from '../p2p/node.js';
import {derivePeerKey} from '../p2p/peer-key.js';
import {StreamDuplex} from '../p2p/stream-duplex.js';

/** Something the endpoint reports (the CLI logs it). */
export type P2pEndpointEvent = {type: 'relay'; relay: string; state: 'reserved' | 'lost'} | {type: 'warning'; message: string};

/** Options of startP2pEndpoint. */
export interface P2pEndpointOptions {
  /** The node key's Ed25519 seed: the libp2p identity is derived from it (p2p/peer-key.ts). Required. */
  nodeSeed: Uint8Array;
  /** Relay multiaddrs with their peer id (what `cocoon relay start` prints). Several give redundancy. */
  relays: string[];
  /** libp2p addresses to listen on directly (a public or port-forwarded one, or for hole punching). Default: none. */
  listen?: string[];
  /** Hands each incoming HTTP connection (a libp2p stream) to the provider's HTTP server. Required. */
  accept: (socket: Duplex) => void;
  /** How often relays without a reservation are tried again, ms. Default: 3 s. */
  retryMs?: number;
  onEvent?: (event: P2pEndpointEvent) => void;
}

/** A provider's libp2p side. */
export interface P2pEndpoint {
  readonly node: P2pNode;
  readonly peerId: string;
  /** `libp2p://<peer id>`: the registry endpoint of a node reached only through libp2p. */
  readonly endpoint: string;
  /** Relays that hold a reservation for this node now. */
  reserved(): string[];
  /** Addresses consumers can dial now (relay circuits, direct listeners). */
  addrs(): string[];
  /** Resolves once `count` relays (default: one) hold a reservation; rejects after `timeoutMs`. */
  ready(options?: {count?: number; timeoutMs?: number}): Promise<void>;
  close(): Promise<void>;
}

/** A relay multiaddr checked. Its /p2p/<relay id> may be left out (a record keeps several that way): the handshake tells it. */
export function parseRelayAddr(text: string): Multiaddr {
  let ma: Multiaddr;
  try {
    ma = multiaddr(text);
  } catch (error) {
    throw new CocoonError('INVALID_INPUT', `"${text}" is not a multiaddr.`, {cause: error, hint: 'Pass what `cocoon relay start` prints, e.g. /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW….'});
  }
  if (text.includes('/p2p-circuit')) {
    throw new CocoonError('INVALID_INPUT', `"${text}" is a circuit address, not a relay's.`, {hint: 'Pass what `cocoon relay start` prints, e.g. /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW….'});
  }
  return ma;
}

const relayIdOf = (ma: Multiaddr) => ma.getComponents().find((c) => c.name === 'p2p')?.value;

/**
 * Make a provider reachable through libp2p: reserve a slot on every relay
 * (and keep trying those that drop), accept `/cocoon/http/1` streams, and
 * give each one to the provider's HTTP server as a connection, so the routes,
 * admission and limits are the same code as over TCP. The libp2p handshake is
 * Noise with the derived key: relays see only ciphertext, sizes and timing.
 */
export async function startP2pEndpoint(options: P2pEndpointOptions): Promise<P2pEndpoint> {
  const relays = options.relays.map(parseRelayAddr);
  if (relays.length === 0 && !(options.listen?.length)) {
    throw new CocoonError('INVALID_INPUT', 'A libp2p endpoint needs at least one relay or listen address.', {hint: 'Pass --relay MULTIADDR (from `cocoon relay start`), several for redundancy.'});
  }
  const node = await createP2pNode({privateKey: await derivePeerKey(options.nodeSeed), listen: options.listen});
  await node.handle(
    HTTP_PROTOCOL,
    (stream, connection) => {
      // A whole answer may be quiet for long (a slow first token): the HTTP server's own timeouts govern.
      stream.inactivityTimeout = 0;
      options.accept(new StreamDuplex(stream, {remoteAddress: `p2p:${connection.remotePeer.toString()}`}));
    },
    {runOnLimitedConnection: true, maxInboundStreams: 1024},
  );
  await node.start();
  const transportManager = (node as unknown as {components: {transportManager: {listen(addrs: Multiaddr[]): Promise<void>}}}).components.transportManager;
  const isReserved = (relayId: string) => node.getMultiaddrs().some((a) => a.toString().includes(`/p2p/${relayId}/p2p-circuit`));
  const state = new Map<string, boolean>();
  const busy = new Set<string>();
  // Relay ids as named or learnt from the handshake (by the relay's address as given).
  const ids = new Map<string, string>(relays.flatMap((r) => (relayIdOf(r) ? [[r.toString(), relayIdOf(r)!] as [string, string]] : [])));
  const reservedAt = (relay: Multiaddr) => {
    const id = ids.get(relay.toString());
    return id !== undefined && isReserved(id);
  };
  let stopped = false;
  // libp2p drops a configured relay's reservation when its connection closes and never makes it again:
  // every relay without one is dialed (cheap to fail) and, once it answers, listened on again.
  const check = async () => {
    await Promise.all(
      relays.map(async (relay) => {
        const key = relay.toString();
        const now = reservedAt(relay);
        if (state.get(key) !== now && (now || state.has(key))) options.onEvent?.({type: 'relay', relay: key, state: now ? 'reserved' : 'lost'});
        state.set(key, now);
        if (now || busy.has(key) || stopped) return;
        busy.add(key);
        try {
          const conn = await node.dial(relay, {signal: AbortSignal.timeout(5_000)});
          const id = conn.remotePeer.toString();
          ids.set(key, id);
          await transportManager.listen([(relayIdOf(relay) ? relay : relay.encapsulate(`/p2p/${id}`)).encapsulate('/p2p-circuit')]);
          if (reservedAt(relay) && !state.get(key)) {
            state.set(key, true);
            options.onEvent?.({type: 'relay', relay: key, state: 'reserved'});
          }
        } catch {
          // down or full: tried again on the next pass
        } finally {
          busy.delete(key);
        }
      }),
    );
  };
  void check();
  const timer = setInterval(() => void check(), options.retryMs ?? 3_000);
  timer.unref();
  const peerId = node.peerId.toString();
  const reserved = () => relays.filter(reservedAt).map((r) => r.toString());
  return {
    node,
    peerId,
    endpoint: `libp2p://${peerId}`,
    reserved,
    addrs: () => node.getMultiaddrs().map((a) => a.toString()),
    async ready({count = 1, timeoutMs = 15_000} = {}) {
      const until = Date.now() + timeoutMs;
      while (reserved().length < Math.min(count, relays.length)) {
        if (Date.now() > until) {
          throw new CocoonError('PROVIDER_UNAVAILABLE', `No relay took a reservation within ${timeoutMs} ms (${reserved().length} of ${relays.length}).`, {
            hint: 'Check that the relays run (`cocoon relay start` prints their addresses) and are reachable from here.',
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      stopped = true;
      clearInterval(timer);
      await node.stop();
    },
  };
}
