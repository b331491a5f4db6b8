// Entry point of a detached devnet (started by `cocoon devnet start --detach`).
// It is a process entry like bin/run.js, so it may log and exit.
import {parseArgs} from 'node:util';
import {writeStartupError} from './control.js';
import {serveDevnet} from './serve.js';

const {values} = parseArgs({
  options: {dir: {type: 'string'}, host: {type: 'string'}, port: {type: 'string'}, latency: {type: 'string'}, 'rate-limit': {type: 'string'}},
});
const manners = {latencyMs: Number(values.latency ?? 0), rateLimit: Number(values['rate-limit'] ?? 0)};
let served: Awaited<ReturnType<typeof serveDevnet>>;
try {
  served = await serveDevnet({dir: values.dir!, host: values.host ?? '127.0.0.1', port: Number(values.port ?? 18_545), manners});
} catch (error) {
  // The parent turns this into the same typed error a foreground start gives.
  writeStartupError(values.dir!, error);
  console.error(`${new Date().toISOString()} start-up failed: ${(error as Error).message}`);
  process.exit(1);
}
const {server, stop} = served;
console.log(`${new Date().toISOString()} devnet listening on ${server.url} (pid ${process.pid})`);
const shutdown = (signal: string) => {
  console.log(`${new Date().toISOString()} ${signal}: stopping`);
  stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
