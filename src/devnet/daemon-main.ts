// Entry point of a detached devnet (started by `cocoon devnet start --detach`).
// It is a process entry like bin/run.js, so it may log and exit.
import {parseArgs} from 'node:util';
import {serveDevnet} from './serve.js';

const {values} = parseArgs({options: {dir: {type: 'string'}, host: {type: 'string'}, port: {type: 'string'}}});
const {server, stop} = await serveDevnet({dir: values.dir!, host: values.host ?? '127.0.0.1', port: Number(values.port ?? 18_545)});
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
