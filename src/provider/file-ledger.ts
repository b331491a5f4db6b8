import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {writeFileDurably} from '../config/files.js';
import type {ChannelAccount, ChannelLedger} from './ledger.js';

const AccountSchema = z.object({
  paid: z.string().regex(/^\d+$/),
  owed: z.string().regex(/^\d+$/),
  pending: z.object({queryId: z.string(), receipt: z.string(), signature: z.string()}).optional(),
  outstanding: z.array(z.object({queryId: z.string(), receipt: z.string(), signature: z.string()})).optional(),
  voucher: z.object({amount: z.string().regex(/^\d+$/), signature: z.string().regex(/^[0-9a-f]{128}$/)}).optional(),
  waived: z.number().int().min(0),
  waivedNano: z.string().regex(/^\d+$/).optional(),
  epoch: z.number().int().min(1).optional(),
});

function fileName(channel: string): string {
  // "0:hex" → "0_hex.json": safe on every file system.
  if (!/^-?\d+:[0-9a-f]{64}$/.test(channel)) throw new CocoonError('INVALID_INPUT', `Not a raw channel address: ${channel}`);
  return channel.replace(':', '_') + '.json';
}


/**
 * The provider's durable channel ledger: one JSON file per channel, written
 * atomically and fsynced before `put` resolves. The server acknowledges a
 * voucher only after `put`, so a crash never loses a voucher the consumer was
 * told was accepted. Reads and writes run off the event loop (fs.promises);
 * the cache is write-through: set once a write is on disk, so `get` answers
 * from memory after the first read and never shows what a crash could undo.
 * Writes to one channel are applied in call order.
 */
export class FileChannelLedger implements ChannelLedger {
  private readonly cache = new Map<string, ChannelAccount>();
  /** The last write queued per channel (writes to a channel run one after another). */
  private readonly writes = new Map<string, Promise<void>>();
  /** The write waiting behind the one in progress, per channel, until it starts. */
  private readonly queued = new Map<string, {record: z.infer<typeof AccountSchema>; copy: ChannelAccount; done: Promise<void>}>();
  private seq = 0;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700});
  }

  async get(channel: string): Promise<ChannelAccount | undefined> {
    const cached = this.cache.get(channel);
    if (cached) return {...cached};
    const file = path.join(this.dir, fileName(channel));
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.cache.has(channel) ? {...this.cache.get(channel)!} : undefined;
      throw error;
    }
    // A write that finished while the file was being read is newer than what was read.
    const written = this.cache.get(channel);
    if (written) return {...written};
    let raw: z.infer<typeof AccountSchema>;
    try {
      raw = AccountSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new CocoonError('CORRUPT_DATA', `The channel ledger file ${file} is unreadable.`, {
        hint: 'Restore it from a backup; the newest voucher can also be recovered from the consumer.',
        cause: error,
      });
    }
    const account: ChannelAccount = {
      paid: BigInt(raw.paid),
      owed: BigInt(raw.owed),
      // A ledger written by protocol version 1 held at most one pending receipt.
      outstanding: raw.outstanding ?? (raw.pending ? [raw.pending] : []),
      voucher: raw.voucher && {amount: BigInt(raw.voucher.amount), signature: Buffer.from(raw.voucher.signature, 'hex')},
      waived: raw.waived,
      ...(raw.waivedNano === undefined ? {} : {waivedNano: BigInt(raw.waivedNano)}),
      epoch: raw.epoch,
    };
    this.cache.set(channel, account);
    return {...account};
  }

  /** Store an account; resolves once it is fsynced (file and directory). */
  async put(channel: string, account: ChannelAccount): Promise<void> {
    const file = path.join(this.dir, fileName(channel));
    const copy: ChannelAccount = {...account};
    const record: z.infer<typeof AccountSchema> = {
      paid: account.paid.toString(),
      owed: account.owed.toString(),
      outstanding: account.outstanding ?? [],
      voucher: account.voucher && {amount: account.voucher.amount.toString(), signature: Buffer.from(account.voucher.signature).toString('hex')},
      waived: account.waived,
      ...(account.waivedNano ? {waivedNano: account.waivedNano.toString()} : {}),
      epoch: account.epoch,
    };
    // A write queued behind the one on disk now and not started yet takes this newer account instead (accounts
    // replace each other whole, and a newer one is computed from the older): one fsync for both, both resolve with it.
    const waiting = this.queued.get(channel);
    if (waiting) {
      waiting.record = record;
      waiting.copy = copy;
      return waiting.done;
    }
    const entry = {record, copy, done: Promise.resolve()};
    const previous = this.writes.get(channel) ?? Promise.resolve();
    const write = previous
      .catch(() => undefined) // an earlier failed write was reported to its own caller
      .then(async () => {
        if (this.queued.get(channel) === entry) this.queued.delete(channel);
        const tmp = `${file}.${process.pid}.${++this.seq}.tmp`;
        try {
          await writeFileDurably(file, JSON.stringify(entry.record), {tmp});
        } catch (error) {
          await fs.promises.rm(tmp, {force: true}).catch(() => undefined);
          throw error;
        }
        this.cache.set(channel, entry.copy);
      });
    entry.done = write;
    this.queued.set(channel, entry);
    this.writes.set(channel, write);
    try {
      await write;
    } finally {
      if (this.writes.get(channel) === write) this.writes.delete(channel);
    }
  }

  /** Raw addresses of every channel with an account. */
  channels(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5).replace('_', ':'));
  }
}
