import {BlockList, isIP} from 'node:net';
import type {IncomingMessage} from 'node:http';
import {CocoonError} from '../errors.js';

/**
 * Admission control: a token bucket per client address (before any
 * decryption work), one per channel (once a request is bound to an open
 * channel), the client address behind trusted proxies, and a replay cache of
 * query ids. All bounded in memory. docs/protocol.md §10 says what is counted where.
 */

/** Token-bucket options. */
export interface RateLimitOptions {
  /** Burst size: requests a source may send at once. Default: 30. */
  capacity?: number;
  /** Sustained requests per second per source. Default: 10. */
  refillPerSecond?: number;
  /** Sources tracked at most; the idlest are dropped beyond it. Default: 10,000. */
  maxSources?: number;
}

/** Per-source token buckets. */
export class RateLimiter {
  private readonly capacity: number;
  private readonly refill: number;
  private readonly maxSources: number;
  private readonly buckets = new Map<string, {tokens: number; at: number}>();

  constructor(options: RateLimitOptions = {}) {
    this.capacity = options.capacity ?? 30;
    this.refill = options.refillPerSecond ?? 10;
    this.maxSources = options.maxSources ?? 10_000;
  }

  /** Take one token for `source`; returns 0 when admitted, else milliseconds until a token is there. */
  take(source: string, now: number): number {
    let b = this.buckets.get(source);
    if (b) {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.refill);
      b.at = now;
      this.buckets.delete(source); // re-insert: Map order doubles as least-recently-used order
    } else {
      b = {tokens: this.capacity, at: now};
    }
    this.buckets.set(source, b);
    if (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.refill) * 1000);
  }

  /** Give back a token taken for `source` (the request turned out to be counted elsewhere). */
  refund(source: string): void {
    const b = this.buckets.get(source);
    if (b) b.tokens = Math.min(this.capacity, b.tokens + 1);
  }
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, so one client has one bucket whichever socket family it came in on. */
function canonicalAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** One X-Forwarded-For entry as a bare address (brackets and an IPv4 port dropped), or undefined when it is not an IP address. */
function forwardedAddress(entry: string): string | undefined {
  let a = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  return isIP(a) ? canonicalAddress(a) : undefined;
}

/**
 * The proxies whose X-Forwarded-For is believed: addresses or CIDR ranges
 * ("127.0.0.1", "::1", "10.0.0.0/8"). Throws INVALID_INPUT for anything else.
 */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > max || prefix === ''))) {
      throw new CocoonError('INVALID_INPUT', `Trusted proxy "${entry}" is not an IP address or CIDR range.`, {hint: 'Give the address the proxy connects from, e.g. --trusted-proxy 127.0.0.1 or --trusted-proxy 10.0.0.0/8.'});
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

/**
 * The client address of a request: the socket's peer, or, when that peer is a
 * trusted proxy, the right-most X-Forwarded-For hop that is not a trusted
 * proxy (hops left of it were written by the client and prove nothing). A
 * malformed hop where an address must be counts as the proxy itself.
 */
export function clientAddress(req: IncomingMessage, trusted: BlockList | undefined): string {
  const peer = canonicalAddress(req.socket.remoteAddress ?? 'unknown');
  if (!trusted || !isTrusted(trusted, peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').filter((h) => h.trim() !== '');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = forwardedAddress(hops[i]!);
    if (hop === undefined) return client;
    client = hop;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return client; // every hop is a trusted proxy: the left-most one is the nearest thing to a client
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Options of Admission. */
export interface AdmissionOptions {
  /** Bucket per client address, for every request before it is authenticated. Default: 30 burst, 10/s. */
  rateLimit?: RateLimitOptions;
  /** Bucket per channel, for requests bound to an open channel. Default: 400 burst, 200/s, or the address bucket's figures where those are higher. */
  channelRateLimit?: RateLimitOptions;
  /** Proxies whose X-Forwarded-For names the client (trustedProxyList). Default: none; the socket peer is the client. */
  trustedProxies?: readonly string[];
}

/**
 * Two-stage rate limiting. `admit` charges the client address before any
 * work; once the request proves it is paid for by an open channel (a query
 * decrypts and names one, a voucher or channel request is signed by its key),
 * `bind` gives that token back and charges the channel instead. So a gateway
 * sending many paid requests from one address is limited per channel, while
 * unauthenticated traffic (forgeries, unknown channels, info probes) stays
 * limited per address.
 */
export class Admission {
  private readonly addresses: RateLimiter;
  private readonly channels: RateLimiter;
  private readonly trusted: BlockList | undefined;
  /** The address each admitted request was charged to, until it is bound. */
  private readonly charged = new WeakMap<IncomingMessage, string>();

  constructor(options: AdmissionOptions = {}) {
    this.addresses = new RateLimiter(options.rateLimit);
    // Never tighter for paid traffic than the address limit alone was: a raised --rate-limit raises this too.
    const address = options.rateLimit ?? {};
    this.channels = new RateLimiter({
      capacity: Math.max(400, address.capacity ?? 30),
      refillPerSecond: Math.max(200, address.refillPerSecond ?? 10),
      maxSources: 100_000,
      ...options.channelRateLimit,
    });
    this.trusted = options.trustedProxies?.length ? trustedProxyList(options.trustedProxies) : undefined;
  }

  /** The client address of `req` (see clientAddress). */
  source(req: IncomingMessage): string {
    return clientAddress(req, this.trusted);
  }

  /** Charge the request's client address; 0 when admitted, else ms to wait. */
  admit(req: IncomingMessage, now: number): number {
    const source = this.source(req);
    const wait = this.addresses.take(source, now);
    if (wait === 0) this.charged.set(req, source);
    return wait;
  }

  /** The request is bound to open `channel` (raw address): refund its address token and charge the channel; 0 when admitted, else ms to wait. */
  bind(req: IncomingMessage, channel: string, now: number): number {
    const source = this.charged.get(req);
    if (source !== undefined) {
      this.charged.delete(req);
      this.addresses.refund(source);
    }
    return this.channels.take(channel, now);
  }
}

/**
 * Query ids seen within the timestamp window. A request is accepted only if
 * its timestamp is within ±window of the provider clock, so an id only has to
 * be remembered until its timestamp leaves the window.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(
    /** Half-width of the accepted timestamp window, ms. */
    private readonly windowMs: number,
    /** Ids remembered at most; beyond it new queries are refused as busy rather than forgetting ids early. */
    readonly maxEntries = 1_000_000,
  ) {}

  /** True if the timestamp is inside the window around `now`. */
  fresh(timestamp: number, now: number): boolean {
    return Math.abs(now - timestamp) <= this.windowMs;
  }

  /** True when no more ids can be remembered (new queries must wait). */
  get full(): boolean {
    return this.seen.size >= this.maxEntries;
  }

  /** True if the id was already used. */
  has(queryId: string): boolean {
    return this.seen.has(queryId);
  }

  /** Remember an id; false if it was already there (or the cache is full). */
  add(queryId: string, timestamp: number, now: number): boolean {
    this.prune(now);
    if (this.seen.has(queryId) || this.seen.size >= this.maxEntries) return false;
    this.seen.set(queryId, timestamp + this.windowMs);
    return true;
  }

  private prune(now: number): void {
    // Entries are inserted in arrival order, which roughly follows expiry; stop at the first live one.
    for (const [id, expires] of this.seen) {
      if (expires >= now) break;
      this.seen.delete(id);
    }
  }
}
