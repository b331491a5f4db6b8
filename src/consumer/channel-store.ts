import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {dataPath} from '../config/paths.js';
import {FileMemo} from '../config/file-memo.js';
import {KeyedMutex} from './keyed-mutex.js';
import {writeFileDurably} from '../config/files.js';
import lockfile from 'proper-lockfile';

// A lock is held for one read and one write (milliseconds); one left by a killed process is taken over after 10 s.
const LOCK_STALE_MS = 10_000;

/** The same lock, taken without blocking the event loop (proper-lockfile's own retries, 1–5 ms apart, for up to ~10 s). */
function lock(target: string): Promise<() => Promise<void>> {
  return lockfile.lock(target, {realpath: false, stale: LOCK_STALE_MS, retries: {retries: 2500, minTimeout: 1, maxTimeout: 5, factor: 1.2}});
}

/** In this process, one writer at a time per lock target: the file lock only orders processes. */
const turns = new KeyedMutex();

/** One ChannelStore.update() waiting for its group's turn. */
interface PendingUpdate {
  node: string | undefined;
  change: (record: ChannelRecord) => ChannelRecord;
  resolve: (record: ChannelRecord) => void;
  reject: (error: unknown) => void;
}

/** Paid query ids kept per channel (more than any provider's credit window). */
export const RECENT_RECEIPTS = 256;

/**
 * A consumer's channel to one provider, as kept on this machine. The voucher key
 * can only move this channel's deposit to this channel's provider, so it sits in
 * a 0600 file (not behind the wallet password): `ask` then runs without one.
 */
export const ChannelRecordSchema = z.object({
  version: z.literal(1),
  network: z.string(),
  /** Raw addresses. */
  channel: z.string(),
  provider: z.string(),
  consumer: z.string(),
  /** Wallet name that opened it (and gets the refund). */
  wallet: z.string(),
  /** Ed25519 seed, hex: signs vouchers for this channel only. */
  voucherKey: z.string().regex(/^[0-9a-f]{64}$/),
  closeDelay: z.number().int(),
  /** Cumulative nanoGRAM signed so far (the newest voucher). Updated before a voucher leaves this machine. */
  paid: z.string().regex(/^\d+$/),
  /** The newest query ids whose receipts `paid` covers (so a charge the provider lists as unpaid is re-paid, not waived). */
  receipts: z.array(z.string().regex(/^[0-9a-f]{32}$/)).max(RECENT_RECEIPTS).optional(),
  /**
   * The provider node (its Ed25519 key, hex) this channel pays. A wallet may
   * run several nodes, each keeping its own accounts, so each gets its own
   * channel. Absent on channels opened before a node was known: the first node
   * that is paid through it claims it.
   */
  node: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /**
   * The channel's on-chain terms as last read (deposit, life, network), so a
   * warm ask makes no chain read: only this consumer adds to a deposit, and a
   * provider's refusal (deposit short, channel not open) sends ask back to the chain.
   */
  known: z
    .object({deposited: z.string().regex(/^\d+$/), epoch: z.number().int(), globalId: z.number().int(), at: z.string()})
    .optional(),
  /** The channel's life `paid` counts in (a re-open starts a new life from 0). Default: 1. */
  epoch: z.number().int().min(1).optional(),
  createdAt: z.string(),
  /**
   * A wallet operation on this channel recorded before it was sent and not yet
   * seen to land: the next run settles it from what the chain shows. While an
   * `open` is pending the channel is not offered for use (`get` skips it).
   */
  pending: z
    .object({
      op: z.enum(['open', 'topup', 'start-close', 'finish-close']),
      /** nanoGRAM sent with it. */
      amount: z.string().regex(/^\d+$/),
      at: z.string(),
    })
    .optional(),
});
/** One stored channel. */
export type ChannelRecord = z.infer<typeof ChannelRecordSchema>;

/** Which store each record read came from, so operations given only a record can update it. */
const origin = new WeakMap<ChannelRecord, ChannelStore>();

// Parsed channel files: a warm ask reads its channel's file several times, each a stat instead of a JSON and schema parse.
const records = new FileMemo<ChannelRecord>((text, file) => {
  try {
    return ChannelRecordSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new CocoonError('CORRUPT_DATA', `The channel file ${file} is unreadable.`, {
      hint: 'Restore it from a backup; without its voucher key the channel can only be closed (`cocoon channel close`).',
      cause: error,
    });
  }
});

/** The consumer's channels on one network: `<data>/consumer/<network>/channels/<provider>[.<node>].json`, one per provider node. */
export class ChannelStore {
  readonly dir: string;

  /** Per provider, the updates waiting for the provider's lock together (update()'s group commit). */
  private readonly groups = new Map<string, PendingUpdate[]>();

  constructor(readonly network: string, dir?: string) {
    this.dir = dir ?? dataPath('consumer', network, 'channels');
  }

  private file(provider: string, node?: string): string {
    const base = provider.replace(':', '_');
    return path.join(this.dir, (node ? `${base}.${node.slice(0, 16)}` : base) + '.json');
  }

  private read(file: string): ChannelRecord | undefined {
    const record = records.read(file);
    if (!record) return undefined;
    // A copy per read: callers may change what they get; the memo keeps the parsed file.
    const copy = {...record};
    origin.set(copy, this);
    return copy;
  }

  /** Read the file itself, not the memo (under the lock, before a change). */
  private readFresh(file: string): ChannelRecord | undefined {
    records.forget(file);
    return this.read(file);
  }

  private async save(file: string, record: ChannelRecord): Promise<void> {
    await writeFileDurably(file, JSON.stringify(record, null, 2) + '\n');
    records.remember(file, {...record});
    origin.set(record, this);
  }

  /** The store `record` was read from or saved to, if it is known. */
  static of(record: ChannelRecord): ChannelStore | undefined {
    return origin.get(record);
  }

  /**
   * The usable channel to `provider` (raw address) for `node` (its key, hex),
   * if any: the node's own channel, else one opened before a node was known.
   * One whose open is still pending is left out (openChannel settles it), so a
   * half-done open never strands the caller with a channel that is not deployed.
   */
  get(provider: string, node?: string): ChannelRecord | undefined {
    const record = this.find(provider, node);
    return record?.pending?.op === 'open' ? undefined : record;
  }

  /** The channel to `provider` for `node` (as get), pending open included. `fresh`: read the files, not the memo (writers, under the lock). */
  find(provider: string, node?: string, fresh = false): ChannelRecord | undefined {
    const read = (file: string) => (fresh ? this.readFresh(file) : this.read(file));
    if (node) {
      const own = read(this.file(provider, node));
      if (own) return own;
    }
    const shared = read(this.file(provider));
    if (shared) return !node || !shared.node || shared.node === node ? shared : undefined;
    if (node) return undefined;
    // No node named: the provider's only channel, if it has exactly one.
    const mine = this.list().filter((r) => r.provider === provider);
    return mine.length === 1 ? mine[0] : undefined;
  }

  /** Every stored channel. */
  list(): ChannelRecord[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.read(path.join(this.dir, f))!)
      .filter(Boolean);
  }

  /** The lock every writer of `provider`'s channel files holds (across processes). */
  private lockTarget(provider: string): string {
    return path.join(this.dir, provider.replace(':', '_'));
  }

  /**
   * Save (atomically, 0600), under the provider's lock. Within one channel and
   * life the signed total only grows: a record carrying an older `paid` than
   * the file (read before another process paid an answer) keeps the file's
   * payment fields, so a wallet operation never rolls a voucher back.
   */
  async put(record: ChannelRecord): Promise<void> {
    await this.locked(record.provider, () => this.write(record));
  }

  /** Run `work` under the provider's lock: one at a time in this process, and across processes by the lock file. Nothing blocks the event loop. */
  private locked<T>(provider: string, work: () => Promise<T>): Promise<T> {
    // Anything queued behind a group closes it: an update arriving later goes after this, in arrival order.
    this.groups.delete(provider);
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700});
    const target = this.lockTarget(provider);
    return turns.run(target, async () => {
      const release = await lock(target);
      try {
        return await work();
      } finally {
        await release();
      }
    });
  }

  /**
   * Read, change and save the channel to `provider` for `node` under the
   * provider's lock, so processes sharing a channel (ask, the gateway, the SDK)
   * never lose each other's payments. Resolves with the saved record.
   */
  async update(provider: string, node: string | undefined, change: (record: ChannelRecord) => ChannelRecord): Promise<ChannelRecord> {
    // A gateway pays an answer per update: neither the lock nor the write's fsync blocks its event loop.
    // Group commit: updates that arrive while one is waiting for the provider's lock join it, and the
    // whole group is applied in arrival order under one lock, one durable write per run of one channel; each
    // resolves (with the record as its own change left it) only once that write is on disk.
    return new Promise<ChannelRecord>((resolve, reject) => {
      const waiting = this.groups.get(provider);
      if (waiting) {
        waiting.push({node, change, resolve, reject});
        return;
      }
      const group: PendingUpdate[] = [{node, change, resolve, reject}];
      this.locked(provider, async () => {
        // From here on, later updates start the next group (which waits for this one's lock turn).
        if (this.groups.get(provider) === group) this.groups.delete(provider);
        await this.applyGroup(provider, group);
      }).catch((error: unknown) => {
        for (const u of group) u.reject(error);
      });
      this.groups.set(provider, group);
    });
  }

  /**
   * Apply a group of updates under the lock, in arrival order. Consecutive
   * updates of the same node's channel are applied one after another to the
   * record and saved with one durable write; each resolves, with the record as
   * its own change left it, once that write is on disk.
   */
  private async applyGroup(provider: string, group: PendingUpdate[]): Promise<void> {
    for (let i = 0; i < group.length; ) {
      const node = group[i]!.node;
      let record: ChannelRecord | undefined = this.find(provider, node, true);
      const applied: {update: PendingUpdate; record: ChannelRecord}[] = [];
      for (; i < group.length && group[i]!.node === node; i++) {
        const update = group[i]!;
        try {
          if (!record) throw new CocoonError('NOT_FOUND', `No channel to ${provider} is stored on this machine.`);
          record = update.change(record);
          applied.push({update, record});
        } catch (error) {
          update.reject(error);
        }
      }
      if (applied.length === 0) continue;
      try {
        await this.save(this.file(record!.provider, record!.node), record!);
        this.dropShared(record!);
      } catch (error) {
        for (const {update} of applied) update.reject(error);
        continue;
      }
      for (const a of applied) a.update.resolve(a.record);
    }
  }

  private async write(record: ChannelRecord): Promise<void> {
    const disk = this.find(record.provider, record.node, true);
    if (disk && disk.channel === record.channel && (disk.epoch ?? 1) === (record.epoch ?? 1)) {
      // Payment fields belong to update(): keep the newer signed total and the receipts it covers.
      if (BigInt(disk.paid) > BigInt(record.paid)) record = {...record, paid: disk.paid, receipts: disk.receipts};
    }
    await this.save(this.file(record.provider, record.node), record);
    this.dropShared(record);
  }

  /** A channel that has just been claimed by a node moves to that node's file. */
  private dropShared(record: ChannelRecord): void {
    if (record.node && this.read(this.file(record.provider))?.channel === record.channel) fs.rmSync(this.file(record.provider), {force: true});
  }

  /** Forget a channel that never reached the chain (its key can move nothing). */
  remove(record: ChannelRecord): void {
    fs.rmSync(this.file(record.provider, record.node), {force: true});
    records.forget(this.file(record.provider, record.node));
  }

  /** A fresh voucher key (32-byte Ed25519 seed). */
  static newVoucherKey(): Buffer {
    return randomBytes(32);
  }
}
