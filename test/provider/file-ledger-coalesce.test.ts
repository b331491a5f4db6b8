import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {FileChannelLedger} from '../../src/provider/file-ledger.js';

const channel = `0:${'ab'.repeat(32)}`;

describe('FileChannelLedger under many writes to one channel', () => {
  it('writes the newest of the accounts queued behind a write once, and every put resolves with it on disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-ledger-'));
    const ledger = new FileChannelLedger(dir);
    const puts = Array.from({length: 20}, (_, i) => ledger.put(channel, {paid: 0n, owed: BigInt(i + 1), waived: 0, epoch: 1}));
    let onDisk: bigint[] = [];
    // Each put, once resolved, finds its own account or a newer one on disk (a fresh reader, no cache).
    await Promise.all(puts.map((p, i) => p.then(async () => {
      const owed = (await new FileChannelLedger(dir).get(channel))!.owed;
      expect(owed).toBeGreaterThanOrEqual(BigInt(i + 1));
      onDisk.push(owed);
    })));
    expect((await new FileChannelLedger(dir).get(channel))!.owed).toBe(20n);
    expect((await ledger.get(channel))!.owed).toBe(20n);
    // Queued accounts were merged: far fewer distinct states reached the disk than puts were made.
    onDisk = [...new Set(onDisk)];
    expect(onDisk.length).toBeLessThan(20);
    fs.rmSync(dir, {recursive: true, force: true});
  });
});
