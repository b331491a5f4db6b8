import {devnetDir, removePidFile, writePidFile} from './control.js';
import type {NetworkManners} from './manners.js';
import {DevnetServer} from './server.js';

/** Options for serveDevnet. */
export interface ServeDevnetOptions {
  host: string;
  port: number;
  /** State directory. Default: the data dir's devnet folder. */
  dir?: string;
  /** Latency and rate limit on JSON-RPC. Default: none. */
  manners?: NetworkManners;
}

/**
 * Serve the devnet in this process until `stop()` is called, with the pid file
 * that `status` and `stop` use. Foreground `devnet start` and the detached
 * daemon both run through here.
 */
export async function serveDevnet(options: ServeDevnetOptions): Promise<{server: DevnetServer; stop: () => Promise<void>}> {
  const dir = options.dir ?? devnetDir();
  const server = await DevnetServer.start({dir, host: options.host, port: options.port, manners: options.manners});
  const url = new URL(server.url);
  writePidFile(dir, {pid: process.pid, url: server.url, startedAt: Date.now(), host: options.host, port: Number(url.port), ...server.manners});
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= server.close().finally(() => removePidFile(dir));
    return stopping;
  };
  return {server, stop};
}
