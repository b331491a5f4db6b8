// provide status reads the waived counts from the ledger, per channel and in total.
import path from 'node:path';
import {Address} from '@ton/core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {FileChannelLedger} from '../../src/provider/file-ledger.js';
import {providerStatus} from '../../src/provider/status.js';
import {tempHome} from '../helpers/home.js';
import {startChain, type TestChain} from './devnet-network.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startChain();
});
afterAll(async () => {
  await chain?.close();
});

describe('providerStatus', () => {
  it('shows waived charges per channel and in total', async () => {
    const dir = path.join(tempHome(), 'ledger');
    const ledger = new FileChannelLedger(dir);
    const a = new Address(0, Buffer.alloc(32, 1)).toRawString();
    const b = new Address(0, Buffer.alloc(32, 2)).toRawString();
    await ledger.put(a, {paid: 0n, owed: 0n, waived: 2});
    await ledger.put(b, {paid: 0n, owed: 0n, waived: 1});
    const wallet = await chain.wallet(1);
    const report = await providerStatus({client: chain.client, registry: chain.registry, network: 'devnet', wallet: wallet.address, ledgerDir: dir});
    expect(report.waived).toBe(3);
    expect(report.channels.map((c) => c.waived).sort()).toEqual([1, 2]);
  });
});
