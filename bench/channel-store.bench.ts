// Consumer channel-store updates at once on one channel (a gateway paying answers):
//   node --import tsx bench/channel-store.bench.ts [checkout]   (default: this checkout)
// COCOON_BENCH_STORE_ROUNDS rounds (default 20) of COCOON_BENCH_STORE_AT_ONCE
// updates at a time (default 8), each durable before it resolves; prints ms per
// update. Give an older checkout (git archive … | tar -x, node_modules linked)
// to compare; `strace -f -c -e trace=fsync,rename` counts its durable writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {pathToFileURL} from 'node:url';
import {ROOT} from './lib/result.js';

const dir = path.resolve(process.argv[2] ?? ROOT);
const {ChannelStore} = await import(pathToFileURL(path.join(dir, 'src/consumer/channel-store.ts')).href);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cocoon-store-bench-'));
const store = new ChannelStore('devnet', path.join(home, 'channels'));
const provider = '0:' + 'aa'.repeat(32);
const node = '1a'.repeat(32);
await store.put({
  version: 1, network: 'devnet', channel: '0:' + '1'.repeat(64), provider, consumer: '0:' + 'cc'.repeat(32), wallet: 'bench',
  voucherKey: '00'.repeat(32), closeDelay: 3600, paid: '0', createdAt: new Date(0).toISOString(), node,
});
const rounds = Number(process.env.COCOON_BENCH_STORE_ROUNDS ?? 20);
const atOnce = Number(process.env.COCOON_BENCH_STORE_AT_ONCE ?? 8);
type Rec = {paid: string};
const started = performance.now();
for (let r = 0; r < rounds; r++) {
  await Promise.all(Array.from({length: atOnce}, () => store.update(provider, node, (x: Rec) => ({...x, paid: (BigInt(x.paid) + 1n).toString()}))));
}
const ms = (performance.now() - started) / (rounds * atOnce);
const paid = store.get(provider, node).paid;
if (paid !== String(rounds * atOnce)) throw new Error(`lost updates: paid ${paid}, expected ${rounds * atOnce}`);
console.log(`${dir}: ${rounds * atOnce} updates, ${atOnce} at a time: ${ms.toFixed(2)} ms per update (load ${os.loadavg()[0]!.toFixed(1)})`);
fs.rmSync(home, {recursive: true, force: true});
