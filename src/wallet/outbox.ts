import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {dataPath} from '../config/paths.js';
import {writeFileAtomic} from '../config/files.js';

/**
 * A signed wallet message recorded before it is sent. Its seqno lets the
 * wallet accept it at most once, so the very same BoC may be pushed again
 * while it is valid; a new message (a new seqno) may not, until the chain
 * shows what became of this one.
 */
export const OutboxEntrySchema = z.object({
  version: z.literal(1),
  /** The wallet, raw address. */
  wallet: z.string(),
  seqno: z.number().int().min(0),
  /** Unix seconds after which the wallet refuses the message. */
  validUntil: z.number().int(),
  /** The external message, BoC base64: what is pushed again. */
  boc: z.string(),
  /** Hash of the external message cell, hex (what explorers show). */
  messageHash: z.string(),
  /** Hash of the signed body, hex: finds the wallet's transaction. */
  bodyHash: z.string(),
  /** What it does: destination (raw), nanoGRAM, bounce flag, hash of the inner body (hex, '' for none). */
  to: z.string(),
  value: z.string().regex(/^\d+$/),
  bounce: z.boolean(),
  payloadHash: z.string(),
  createdAt: z.string(),
});
/** One message in flight. */
export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;

/** The message in flight of each wallet: `<data>/outbox/<network>/<wallet>.json`, one at a time (the seqno allows one). */
export class Outbox {
  readonly dir: string;

  constructor(network: string, dir?: string) {
    this.dir = dir ?? dataPath('outbox', network);
  }

  private file(wallet: string): string {
    return path.join(this.dir, wallet.replace(':', '_') + '.json');
  }

  /** The recorded message of `wallet` (raw address); an unreadable record counts as none. */
  get(wallet: string): OutboxEntry | undefined {
    try {
      return OutboxEntrySchema.parse(JSON.parse(fs.readFileSync(this.file(wallet), 'utf8')));
    } catch {
      return undefined;
    }
  }

  /** Record a message before it leaves (atomic, 0600). */
  put(entry: OutboxEntry): void {
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700});
    writeFileAtomic(this.file(entry.wallet), JSON.stringify(entry, null, 2) + '\n');
  }

  /** The chain has settled the wallet's message (landed, refused or expired). */
  clear(wallet: string): void {
    fs.rmSync(this.file(wallet), {force: true});
  }
}
