// The relay of bench/p2p.bench.ts in its own process, so its CPU time is its own:
// sends its multiaddrs, then answers 'cpu' with process.cpuUsage() (µs).
import {startRelay} from '../../src/p2p/relay.js';

const relay = await startRelay();
process.send!({addrs: relay.multiaddrs});
process.on('message', (m) => {
  if (m === 'cpu') {
    const u = process.cpuUsage();
    process.send!({cpuUs: u.user + u.system});
  } else if (m === 'stop') void relay.stop().then(() => process.exit(0));
});
