import {CocoonError} from '../errors.js';
import {startRelay, type Relay, type RelayLimits} from '../p2p/relay.js';

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

/** Start a circuit relay v2 server with explicit limits (docs/p2p.md). */
export async function startAppRelay(request: RelayRequest = {}): Promise<Relay> {
  const minutes = positive('--max-minutes', request.maxMinutes);
  const mib = positive('--max-mib', request.maxMiB);
  return startRelay({
    listen: request.listen?.length ? request.listen : undefined,
    announce: request.announce?.length ? request.announce : undefined,
    maxReservations: positive('--max-reservations', request.maxReservations),
    connectionDurationMs: minutes === undefined ? undefined : Math.round(minutes * 60_000),
    connectionDataBytes: mib === undefined ? undefined : BigInt(Math.round(mib * 1024 * 1024)),
    circuitsPerMinutePerPeer: positive('--circuits-per-minute', request.circuitsPerMinute),
  });
}
