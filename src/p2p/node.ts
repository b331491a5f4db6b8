import './node20.js';
import {createLibp2p, type Libp2p} from 'libp2p';
import {coalescingTcp} from './tcp-coalesce.js';
import {webSockets} from '@libp2p/websockets';
import {noise} from '@chainsafe/libp2p-noise';
import {yamux} from '@chainsafe/libp2p-yamux';
import {identify} from '@libp2p/identify';
import {ping} from '@libp2p/ping';
import {dcutr} from '@libp2p/dcutr';
import {circuitRelayServer, circuitRelayTransport, type CircuitRelayServerInit} from '@libp2p/circuit-relay-v2';
import type {ConnectionGater, PrivateKey} from '@libp2p/interface';
import {CocoonError} from '../errors.js';

/** The protocol id an HTTP/1.1 connection travels under: one libp2p stream per HTTP connection. */
export const HTTP_PROTOCOL = '/cocoon/http/1';

/** Options of createP2pNode. */
export interface P2pNodeOptions {
  /** The node's identity (derivePeerKey for a provider). Default: a fresh key (consumers, tests). */
  privateKey?: PrivateKey;
  /** Multiaddrs to listen on, e.g. /ip4/127.0.0.1/tcp/0 or …/tcp/0/ws; relay circuits end in /p2p-circuit. Default: none (dial out only). */
  listen?: string[];
  /** Addresses to announce instead of the listening ones (a relay behind a port forward). Default: the listening ones. */
  announce?: string[];
  /** Run a circuit relay v2 server with these settings (relay.ts sets every limit explicitly). Default: no relay service. */
  relayServer?: CircuitRelayServerInit;
  /** Try to upgrade relayed connections to direct ones (DCUtR). Default: true. */
  holePunch?: boolean;
  /** At most this many connections. Default: libp2p's (300). */
  maxConnections?: number;
  /** Connection gater hooks (the relay's per-peer circuit limit). Default: libp2p's (private addresses allowed). */
  gater?: ConnectionGater;
}

/** The services every Cocoon libp2p node has; a relay has `relay` too. */
export type P2pNode = Libp2p<{identify: unknown; ping: unknown; dcutr?: unknown; relay?: unknown}>;

/**
 * A libp2p node with the transports and security this project uses: TCP and
 * WebSockets, Noise, yamux, identify, ping, the circuit relay v2 transport (to
 * dial and listen through relays) and DCUtR; optionally a relay server.
 */
export async function createP2pNode(options: P2pNodeOptions = {}): Promise<P2pNode> {
  const services: Record<string, (components: never) => unknown> = {identify: identify(), ping: ping()};
  if (options.holePunch !== false) services.dcutr = dcutr();
  if (options.relayServer) services.relay = circuitRelayServer(options.relayServer);
  try {
    return (await createLibp2p({
      ...(options.privateKey ? {privateKey: options.privateKey} : {}),
      addresses: {listen: options.listen ?? [], ...(options.announce ? {announce: options.announce} : {})},
      transports: [coalescingTcp(), webSockets(), circuitRelayTransport({reservationCompletionTimeout: 10_000, reservationConcurrency: 4})],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: services as never,
      ...(options.gater ? {connectionGater: options.gater} : {}),
      connectionManager: {...(options.maxConnections ? {maxConnections: options.maxConnections} : {})},
      // No peer discovery: a Cocoon node learns the peers it dials from the registry, not from the DHT or mDNS.
    })) as unknown as P2pNode;
  } catch (error) {
    throw new CocoonError('INVALID_INPUT', `Cannot start libp2p: ${(error as Error).message}`, {
      cause: error,
      hint: 'Check the --listen and --relay multiaddrs (e.g. /ip4/127.0.0.1/tcp/4001 or /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW…).',
    });
  }
}
