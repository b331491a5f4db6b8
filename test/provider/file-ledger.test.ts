import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {FileChannelLedger} from '../../src/provider/file-ledger.js';
import type {ChannelAccount} from '../../src/provider/ledger.js';

const CHANNEL = `0:${'ab'.repeat(32)}`;
const account = (paid: bigint): ChannelAccount => ({paid, owed: paid, waived: 0, epoch: 1, voucher: {amount: paid, signature: Buffer.alloc(64, 7)}});

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, {recursive: true, force: true});
  dir = undefined;
});
const newDir = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-ledger-')));

describe('FileChannelLedger writes off the event loop', () => {
  it('lets the event loop turn while a write is fsynced, and the write is on disk when put resolves', async () => {
    const ledger = new FileChannelLedger(newDir());
    let turned = false;
    setImmediate(() => (turned = true));
    await ledger.put(CHANNEL, account(5n));
    // A synchronous write+fsync resolves in a microtask, before any setImmediate: the loop was blocked throughout.
    expect(turned).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir!, `0_${'ab'.repeat(32)}.json`), 'utf8'))).toMatchObject({paid: '5', owed: '5'});
    expect((await new FileChannelLedger(dir!).get(CHANNEL))?.paid).toBe(5n);
  });

  it('keeps the declined sum of waivers across restarts, and reads accounts written before it as unknown', async () => {
    const ledger = new FileChannelLedger(newDir());
    await ledger.put(CHANNEL, {...account(9n), waived: 2, waivedNano: 1234n});
    expect((await new FileChannelLedger(dir!).get(CHANNEL))).toMatchObject({waived: 2, waivedNano: 1234n});
    await ledger.put(CHANNEL, {...account(9n), waived: 4});
    expect((await new FileChannelLedger(dir!).get(CHANNEL))?.waivedNano).toBeUndefined();
  });

  it('applies writes to one channel in call order and leaves no temp files', async () => {
    const ledger = new FileChannelLedger(newDir());
    await Promise.all([1n, 2n, 3n, 4n, 5n].map((n) => ledger.put(CHANNEL, account(n))));
    expect((await ledger.get(CHANNEL))?.paid).toBe(5n);
    expect((await new FileChannelLedger(dir!).get(CHANNEL))?.paid).toBe(5n);
    expect(fs.readdirSync(dir!)).toEqual([`0_${'ab'.repeat(32)}.json`]);
    expect(ledger.channels()).toEqual([CHANNEL]);
  });

  it('answers from its write-through cache, and a failed write changes nothing it shows', async () => {
    const ledger = new FileChannelLedger(newDir());
    await ledger.put(CHANNEL, account(1n));
    fs.rmSync(dir!, {recursive: true});
    // The file is gone, the cache still answers: no read per request.
    expect((await ledger.get(CHANNEL))?.paid).toBe(1n);
    await expect(ledger.put(CHANNEL, account(2n))).rejects.toThrow();
    expect((await ledger.get(CHANNEL))?.paid).toBe(1n);
  });

  it('reports a corrupt file as CORRUPT_DATA', async () => {
    fs.writeFileSync(path.join(newDir(), `0_${'ab'.repeat(32)}.json`), '{"paid":');
    await expect(new FileChannelLedger(dir!).get(CHANNEL)).rejects.toMatchObject({code: 'CORRUPT_DATA'});
  });
});
