import type {PeerId, PrivateKey} from '@libp2p/interface';
import {createP2pNode, type P2pNode} from './node.js';

/** Options of startRelay; every libp2p relay limit is set here on purpose, none is left to the library's defaults. */
export interface RelayOptions {
  /** The relay's libp2p identity (derivePeerKey of a node key, so a listed relay keeps its peer id). Default: a fresh one. */
  privateKey?: PrivateKey;
  /** Multiaddrs to listen on. Default: /ip4/127.0.0.1/tcp/0 and /ip4/127.0.0.1/tcp/0/ws (loopback: a public relay says so). */
  listen?: string[];
  /** Addresses to announce (behind a port forward or a DNS name). Default: the listening ones. */
  announce?: string[];
  /** Reservations held at once (one per provider peer). Default: 128. */
  maxReservations?: number;
  /** How long a reservation lasts before the provider must refresh it, ms. Default: 1 hour (libp2p refreshes before expiry). */
  reservationTtlMs?: number;
  /**
   * How long one relayed connection may stay open, ms. Default: 1 hour.
   * libp2p's default is 2 minutes, which would cut a long answer; consumers
   * open a fresh relayed connection before this runs out (p2p-transport.ts).
   */
  connectionDurationMs?: number;
  /**
   * Bytes one relayed connection may carry, both ways together. Default: 256 MiB.
   * libp2p's default is 128 KiB, less than one 256-token answer's frames and headers.
   */
  connectionDataBytes?: bigint;
  /** Relayed connections a source peer may open per minute (circuits are cheap to ask for, not to carry). Default: 120. */
  circuitsPerMinutePerPeer?: number;
  /** Relay streams being set up at once, each way. Default: 256. */
  maxHopStreams?: number;
  /** Connections at most (reservations, consumers, circuits' hops). Default: 1024. */
  maxConnections?: number;
}

/** The limits a relay applies, as it reports them. */
export interface RelayLimits {
  maxReservations: number;
  reservationTtlMs: number;
  connectionDurationMs: number;
  connectionDataBytes: string;
  circuitsPerMinutePerPeer: number;
}

/** A running relay. */
export interface Relay {
  readonly node: P2pNode;
  readonly peerId: string;
  /** Full multiaddrs (with /p2p/<peer id>) providers pass to --relay. */
  readonly multiaddrs: string[];
  readonly limits: RelayLimits;
  /** Providers holding a reservation now. */
  reservations(): number;
  stop(): Promise<void>;
}

/** A token bucket per source peer for relayed connections; bounded (the idlest sources are dropped). */
function circuitGate(perMinute: number): (source: PeerId) => boolean {
  const buckets = new Map<string, {tokens: number; at: number}>();
  return (source) => {
    const key = source.toString();
    const now = Date.now();
    const b = buckets.get(key) ?? {tokens: perMinute, at: now};
    b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) / 60_000) * perMinute);
    b.at = now;
    buckets.delete(key);
    buckets.set(key, b);
    if (buckets.size > 10_000) buckets.delete(buckets.keys().next().value!);
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  };
}

/**
 * A circuit relay v2 server anyone can host: providers behind NAT reserve a
 * slot and consumers reach them through it. It forwards Noise ciphertext
 * between the two ends and cannot read, alter or forge the HTTP exchange.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const limits: RelayLimits = {
    maxReservations: options.maxReservations ?? 128,
    reservationTtlMs: options.reservationTtlMs ?? 3_600_000,
    connectionDurationMs: options.connectionDurationMs ?? 3_600_000,
    connectionDataBytes: String(options.connectionDataBytes ?? 256n * 1024n * 1024n),
    circuitsPerMinutePerPeer: options.circuitsPerMinutePerPeer ?? 120,
  };
  const deny = circuitGate(limits.circuitsPerMinutePerPeer);
  const node = await createP2pNode({
    ...(options.privateKey ? {privateKey: options.privateKey} : {}),
    listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
    announce: options.announce,
    holePunch: false,
    maxConnections: options.maxConnections ?? 1024,
    relayServer: {
      hopTimeout: 30_000,
      maxInboundHopStreams: options.maxHopStreams ?? 256,
      maxOutboundStopStreams: options.maxHopStreams ?? 256,
      reservations: {
        maxReservations: limits.maxReservations,
        reservationTtl: limits.reservationTtlMs,
        applyDefaultLimit: true,
        defaultDurationLimit: limits.connectionDurationMs,
        defaultDataLimit: BigInt(limits.connectionDataBytes),
      },
    },
    gater: {denyOutboundRelayedConnection: (source) => deny(source)},
  });
  await node.start();
  const relay = node.services.relay as {reservations: {size: number}};
  return {
    node,
    peerId: node.peerId.toString(),
    multiaddrs: node.getMultiaddrs().map((m) => m.toString()),
    limits,
    reservations: () => relay.reservations.size,
    stop: async () => {
      await node.stop();
    },
  };
}
