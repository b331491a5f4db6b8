import fs from 'node:fs';
import path from 'node:path';
import {RECENT_RECEIPTS, type ChannelRecord, type ChannelStore} from './channel-store.js';

/** What a consumer knows of a query the provider lists as unpaid. */
export type QueryStanding = 'paid' | 'running' | 'unknown';

/**
 * A channel's signed total as the consumer keeps it (docs/protocol.md §8): the
 * one place vouchers are counted, so that answers running at once on one
 * channel, in one process or several, each add exactly their receipt's cost.
 */
export interface VoucherBook {
  /** Cumulative nanoGRAM signed so far. */
  signed(): Promise<bigint>;
  /** A query is about to be sent: while it runs, its charge is not declined as never received. */
  begin(queryId: string): Promise<void>;
  /** The query ended without a verified receipt. */
  end(queryId: string): Promise<void>;
  /** Count a verified receipt's cost (durably, before any voucher for it leaves) and return the new total to sign. */
  add(queryId: string, cost: bigint): Promise<bigint>;
  /** Whether this consumer paid `queryId`, has it running, or never received its answer. */
  standing(queryId: string): Promise<QueryStanding>;
  /** The newest query ids the signed total covers (sent with a voucher as `covers`). */
  recent(limit: number): Promise<string[]>;
  /** signed() and recent() from one read. */
  snapshot(limit: number): Promise<{signed: bigint; recent: string[]}>;
}

/** A VoucherBook in memory, for one process (the SDK's default). */
export class MemoryVoucherBook implements VoucherBook {
  private total: bigint;
  private readonly paid: string[] = [];
  private readonly running = new Set<string>();

  /** @param paid Query ids `signed` already covers (what a restarted client knew), newest last. */
  constructor(signed = 0n, paid: readonly string[] = []) {
    this.total = signed;
    this.paid.push(...paid.slice(-RECENT_RECEIPTS));
  }

  async recent(limit: number): Promise<string[]> {
    return this.paid.slice(-limit);
  }

  async snapshot(limit: number): Promise<{signed: bigint; recent: string[]}> {
    return {signed: this.total, recent: this.paid.slice(-limit)};
  }

  async signed(): Promise<bigint> {
    return this.total;
  }

  async begin(queryId: string): Promise<void> {
    this.running.add(queryId);
  }

  async end(queryId: string): Promise<void> {
    this.running.delete(queryId);
  }

  async add(queryId: string, cost: bigint): Promise<bigint> {
    this.running.delete(queryId);
    this.paid.push(queryId);
    if (this.paid.length > RECENT_RECEIPTS) this.paid.shift();
    this.total += cost;
    return this.total;
  }

  async standing(queryId: string): Promise<QueryStanding> {
    if (this.paid.includes(queryId)) return 'paid';
    return this.running.has(queryId) ? 'running' : 'unknown';
  }
}

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The signed total in the channel's file, read and changed under the store's
 * lock (ChannelStore.update): `ask`, `cocoon gateway` and SDK processes on one
 * machine share a channel safely. A running query is a marker file named by
 * its query id and process id (no lock, no fsync: it costs nothing on the way
 * to the first token); those of a process that died count as never answered.
 */
export class StoredVoucherBook implements VoucherBook {
  constructor(
    private readonly store: ChannelStore,
    private readonly provider: string,
    private readonly node: string | undefined,
  ) {}

  private record(): ChannelRecord | undefined {
    return this.store.find(this.provider, this.node);
  }

  private marker(queryId: string, pid = process.pid): string {
    return path.join(this.store.dir, 'running', `${queryId}.${pid}`);
  }

  async signed(): Promise<bigint> {
    return BigInt(this.record()?.paid ?? '0');
  }

  async begin(queryId: string): Promise<void> {
    // Off the event loop: the client writes it while its query goes out.
    const marker = this.marker(queryId);
    try {
      await fs.promises.writeFile(marker, '', {mode: 0o600, flag: 'wx'});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await fs.promises.mkdir(path.dirname(marker), {recursive: true, mode: 0o700});
      await fs.promises.writeFile(marker, '', {mode: 0o600, flag: 'wx'});
    }
  }

  async end(queryId: string): Promise<void> {
    fs.rmSync(this.marker(queryId), {force: true});
  }

  async add(queryId: string, cost: bigint): Promise<bigint> {
    const saved = await this.store.update(this.provider, this.node, (r) => ({
      ...r,
      paid: (BigInt(r.paid) + cost).toString(),
      receipts: [...(r.receipts ?? []), queryId].slice(-RECENT_RECEIPTS),
    }));
    fs.rmSync(this.marker(queryId), {force: true});
    return BigInt(saved.paid);
  }

  async recent(limit: number): Promise<string[]> {
    return (this.record()?.receipts ?? []).slice(-limit);
  }

  async snapshot(limit: number): Promise<{signed: bigint; recent: string[]}> {
    const r = this.record();
    return {signed: BigInt(r?.paid ?? '0'), recent: (r?.receipts ?? []).slice(-limit)};
  }

  async standing(queryId: string): Promise<QueryStanding> {
    if (this.record()?.receipts?.includes(queryId)) return 'paid';
    const dir = path.join(this.store.dir, 'running');
    const markers = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(`${queryId}.`)) : [];
    for (const m of markers) {
      if (alive(Number(m.slice(queryId.length + 1)))) return 'running';
      fs.rmSync(path.join(dir, m), {force: true}); // its process died: the answer never arrived there
    }
    return 'unknown';
  }
}
