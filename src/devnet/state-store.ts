import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {writeFileAtomic} from '../config/files.js';

/** Files of a devnet's persisted state inside its directory. */
export const STATE_FILE = 'state.json';
export const TX_LOG_FILE = 'transactions.ndjson';
export const GENESIS_FILE = 'genesis.json';

/** What the devnet deployed at genesis; the CLI learns contract addresses from it. */
export const GenesisSchema = z.object({
  version: z.literal(1),
  createdAt: z.number().int(),
  globalId: z.number().int(),
  faucet: z.string(),
  contracts: z.record(z.string(), z.string()),
});
/** The genesis record. */
export type Genesis = z.infer<typeof GenesisSchema>;

/** One transaction in the devnet's own index (the sandbox's index is not durable). */
export interface TxRecord {
  /** Raw address (0:hex) of the account the transaction ran on. */
  account: string;
  lt: string;
  /** Transaction hash, base64 (toncenter's form). */
  hash: string;
  utime: number;
  /** Transaction BoC, base64. */
  boc: string;
}

const TxRecordSchema = z.object({account: z.string(), lt: z.string(), hash: z.string(), utime: z.number(), boc: z.string()});

function corrupt(file: string, error: unknown): CocoonError {
  return new CocoonError('CORRUPT_DATA', `The devnet state file ${file} is unreadable: ${(error as Error).message}`, {
    hint: 'Run `cocoon devnet reset` to start a fresh chain (its balances and contracts are lost).',
    cause: error,
  });
}

/** Durable storage for one devnet: snapshot, genesis record and append-only transaction log. */
export class DevnetStateStore {
  constructor(readonly dir: string) {}

  /** True if a chain was created here before. */
  exists(): boolean {
    return fs.existsSync(path.join(this.dir, STATE_FILE));
  }

  /** What of a chain is on disk without its snapshot (the transaction log, the genesis record), described. */
  leftovers(): string[] {
    const found: string[] = [];
    const log = path.join(this.dir, TX_LOG_FILE);
    if (fs.existsSync(log) && fs.statSync(log).size > 0) found.push(`its transaction log (${TX_LOG_FILE})`);
    if (fs.existsSync(path.join(this.dir, GENESIS_FILE))) found.push(`its genesis record (${GENESIS_FILE})`);
    return found;
  }

  /** Read the serialized sandbox snapshot. */
  readSnapshot(): unknown {
    const file = path.join(this.dir, STATE_FILE);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw corrupt(file, error);
    }
  }

  /** Replace the snapshot (atomic). */
  writeSnapshot(snapshot: unknown): void {
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700});
    writeFileAtomic(path.join(this.dir, STATE_FILE), JSON.stringify(snapshot));
  }

  /** Read the genesis record. */
  readGenesis(): Genesis {
    const file = path.join(this.dir, GENESIS_FILE);
    try {
      return GenesisSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (error) {
      throw corrupt(file, error);
    }
  }

  /** Write the genesis record. */
  writeGenesis(genesis: Genesis): void {
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700});
    writeFileAtomic(path.join(this.dir, GENESIS_FILE), JSON.stringify(genesis, null, 2));
  }

  /** Every logged transaction, oldest first. A torn last line (crash mid-append) is dropped. */
  readTransactions(): TxRecord[] {
    const file = path.join(this.dir, TX_LOG_FILE);
    if (!fs.existsSync(file)) return [];
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const records: TxRecord[] = [];
    for (const [i, line] of lines.entries()) {
      if (!line.trim()) continue;
      try {
        records.push(TxRecordSchema.parse(JSON.parse(line)));
      } catch (error) {
        if (i >= lines.length - 2) break;
        throw corrupt(file, error);
      }
    }
    return records;
  }

  /** Append transactions to the log (fsynced before the snapshot that follows them). */
  appendTransactions(records: TxRecord[]): void {
    if (records.length === 0) return;
    fs.mkdirSync(this.dir, {recursive: true, mode: 0o700});
    const fd = fs.openSync(path.join(this.dir, TX_LOG_FILE), 'a', 0o600);
    try {
      fs.writeSync(fd, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Delete everything. */
  wipe(): void {
    fs.rmSync(this.dir, {recursive: true, force: true});
  }
}
