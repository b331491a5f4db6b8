// Preloaded into a measured process (NODE_OPTIONS=--import <this file>) by
// bench/memory.bench.ts: samples the V8 heap every 5 ms and, on exit, writes
// the peak resident set (getrusage, the same figure as VmHWM in
// /proc/<pid>/status) and the peak heap to `${COCOON_PEAK_OUT}.<pid>.json`.
// Plain JavaScript so that it adds no loader of its own to what it measures.
import fs from 'node:fs';

const out = process.env.COCOON_PEAK_OUT;
if (out) {
  let heapUsed = 0;
  let heapTotal = 0;
  let external = 0;
  const sample = () => {
    const m = process.memoryUsage();
    heapUsed = Math.max(heapUsed, m.heapUsed);
    heapTotal = Math.max(heapTotal, m.heapTotal);
    external = Math.max(external, m.external);
  };
  setInterval(sample, 5).unref();
  process.on('exit', () => {
    sample();
    const result = {pid: process.pid, maxRssBytes: process.resourceUsage().maxRSS * 1024, heapUsed, heapTotal, external};
    fs.writeFileSync(`${out}.${process.pid}.json`, JSON.stringify(result));
  });
}
