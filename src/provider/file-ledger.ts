import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {writeFileAtomic} from '../config/files.js';
import type {ChannelAccount, ChannelLedger} from './ledger.js';

const AccountSchema = z.object({
  paid: z.string().regex(/^\d+$/),
  owed: z.string().regex(/^\d+$/),
  pending: z.object({queryId: z.string(), receipt: z.string(), signature: z.string()}).optional(),
  voucher: z.object({amount: z.string().regex(/^\d+$/), signature: z.string().regex(/^[0-9a-f]{128}$/)}).optional(),
  waived: z.number().int().min(0),
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
 * told was accepted.
 */
export class FileChannelLedger implements ChannelLedger {
  private readonly cache = new Map<string, ChannelAccount>();

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700});
  }

  async get(channel: string): Promise<ChannelAccount | undefined> {
    const cached = this.cache.get(channel);
    if (cached) return {...cached};
    const file = path.join(this.dir, fileName(channel));
    if (!fs.existsSync(file)) return undefined;
    let raw: z.infer<typeof AccountSchema>;
    try {
      raw = AccountSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (error) {
      throw new CocoonError('CORRUPT_DATA', `The channel ledger file ${file} is unreadable.`, {
        hint: 'Restore it from a backup; the newest voucher can also be recovered from the consumer.',
        cause: error,
      });
    }
    const account: ChannelAccount = {
      paid: BigInt(raw.paid),
      owed: BigInt(raw.owed),
      pending: raw.pending,
      voucher: raw.voucher && {amount: BigInt(raw.voucher.amount), signature: Buffer.from(raw.voucher.signature, 'hex')},
      waived: raw.waived,
      epoch: raw.epoch,
    };
    this.cache.set(channel, account);
    return {...account};
  }

  async put(channel: string, account: ChannelAccount): Promise<void> {
    const record: z.infer<typeof AccountSchema> = {
      paid: account.paid.toString(),
      owed: account.owed.toString(),
      pending: account.pending,
      voucher: account.voucher && {amount: account.voucher.amount.toString(), signature: Buffer.from(account.voucher.signature).toString('hex')},
      waived: account.waived,
      epoch: account.epoch,
    };
    writeFileAtomic(path.join(this.dir, fileName(channel)), JSON.stringify(record));
    this.cache.set(channel, {...account});
  }

  /** Raw addresses of every channel with an account. */
  channels(): string[] {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5).replace('_', ':'));
  }
}
