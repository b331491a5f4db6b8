// The relay of bench/p2p.bench.ts in its own process, so its CPU time is its own:
// sends its multiaddrs, then answers 'cpu' with process.cpuUsage() (µs).
import {startRelay} from '../../src/p2p/relay.js';

const relay = await startRelay();
process.send!({addrs: relay.multiaddrs});
// The bench may die before it says stop: never outlive it.
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m === 'cpu') {
    const u = process.cpuUsage();
    process.send!({cpuUs: u.user + u.system});
  } else if (m === 'stop') void relay.stop().then(() => process.exit(0));
});
