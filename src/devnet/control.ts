import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {CocoonError, type ErrorCode} from '../errors.js';
import {dataPath} from '../config/paths.js';
import {writeFileAtomic} from '../config/files.js';
import {DevnetRuntimeSchema, type DevnetRuntime} from '../config/settings.js';
import {NO_MANNERS, type NetworkManners} from './manners.js';
import type {DevnetInfo} from './server.js';

/** Where a devnet keeps its state, pid file and log. */
export function devnetDir(): string {
  return dataPath('devnet');
}

const PID_FILE = 'daemon.json';
const LOG_FILE = 'devnet.log';
/** Where a detached devnet that fails to start leaves its typed error for the parent. */
const STARTUP_ERROR_FILE = 'startup-error.json';
/** The running devnet's pid record: pid, URL, host, port and manners. */
export type DevnetPid = DevnetRuntime;

/**
 * Environment variables a detached devnet must not inherit: it needs no
 * password, mnemonic or API key, and a long-lived process keeps its
 * environment readable (/proc/PID/environ) for as long as it runs.
 */
const SECRET_ENV = /^COCOON_(WALLET_PASSWORD|NODE_PASSWORD|MNEMONIC|GATEWAY_API_KEY|\w*API_KEY)$/;

/** process.env without the secrets a devnet does not need. */
export function devnetEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !SECRET_ENV.test(key)));
}

/** What `devnet status` reports. */
export interface DevnetStatus {
  running: boolean;
  /** Base URL when running. */
  url?: string;
  pid?: number;
  /** Live info when running. */
  info?: DevnetInfo;
  /** State directory. */
  dir: string;
  /** True if a chain has been created in `dir`. */
  hasState: boolean;
  /** ms added to every JSON-RPC answer, when running. */
  latencyMs?: number;
  /** JSON-RPC requests per second before a 429 (0: unlimited), when running. */
  rateLimit?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Record the running devnet (called by the process that serves it). */
export function writePidFile(dir: string, record: DevnetPid): void {
  fs.mkdirSync(dir, {recursive: true, mode: 0o700});
  writeFileAtomic(path.join(dir, PID_FILE), JSON.stringify(record));
}

/** Remove the pid record if it is this process's. */
export function removePidFile(dir: string, pid = process.pid): void {
  const record = readPidFile(dir);
  if (record?.pid === pid) fs.rmSync(path.join(dir, PID_FILE), {force: true});
}

function readPidFile(dir: string): DevnetPid | undefined {
  try {
    return DevnetRuntimeSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, PID_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

/** GET /devnet/info at `url`, or undefined if nothing answers in time. */
export async function fetchDevnetInfo(url: string, timeoutMs = 2000): Promise<DevnetInfo | undefined> {
  try {
    const res = await fetch(`${url}/devnet/info`, {signal: AbortSignal.timeout(timeoutMs)});
    return res.ok ? ((await res.json()) as DevnetInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** Is a devnet running for this COCOON_HOME, and where. A stale pid file is removed. */
export async function devnetStatus(dir = devnetDir()): Promise<DevnetStatus> {
  const hasState = fs.existsSync(path.join(dir, 'state.json'));
  const record = readPidFile(dir);
  if (!record) return {running: false, dir, hasState};
  if (!isAlive(record.pid)) {
    fs.rmSync(path.join(dir, PID_FILE), {force: true});
    return {running: false, dir, hasState};
  }
  const info = await fetchDevnetInfo(record.url);
  return {running: Boolean(info), url: record.url, pid: record.pid, info, dir, hasState, latencyMs: record.latencyMs ?? 0, rateLimit: record.rateLimit ?? 0};
}

/** Record why a detached devnet could not start (called by the daemon before it exits). */
export function writeStartupError(dir: string, error: unknown): void {
  const e = error as {code?: string; message?: string; hint?: string; name?: string};
  const typed = e?.name === 'CocoonError' && typeof e.code === 'string';
  fs.mkdirSync(dir, {recursive: true, mode: 0o700});
  writeFileAtomic(path.join(dir, STARTUP_ERROR_FILE), JSON.stringify({code: typed ? e.code : 'CHAIN_UNAVAILABLE', message: e?.message ?? String(error), hint: typed ? e.hint : undefined}));
}

function takeStartupError(dir: string): CocoonError | undefined {
  const file = path.join(dir, STARTUP_ERROR_FILE);
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as {code: ErrorCode; message: string; hint?: string};
    return new CocoonError(saved.code, saved.message, {hint: saved.hint});
  } catch {
    return undefined;
  } finally {
    fs.rmSync(file, {force: true});
  }
}

/** Options for startDetached. */
export interface StartDetachedOptions {
  host: string;
  port: number;
  /** Latency and rate limit on JSON-RPC. Default: none. */
  manners?: NetworkManners;
  /** How long to wait for the devnet to answer. Default: 30 s. */
  timeoutMs?: number;
}

/** Start a devnet in a background process and wait until it answers. */
export async function startDetached(options: StartDetachedOptions): Promise<DevnetStatus> {
  const dir = devnetDir();
  const current = await devnetStatus(dir);
  if (current.running) return current;
  fs.mkdirSync(dir, {recursive: true, mode: 0o700});
  fs.rmSync(path.join(dir, STARTUP_ERROR_FILE), {force: true});
  const manners = options.manners ?? NO_MANNERS;
  const log = fs.openSync(path.join(dir, LOG_FILE), 'a', 0o600);
  // Run the entry next to this module; under tsx (development) it is the .ts file.
  const self = fileURLToPath(import.meta.url);
  const entry = path.join(path.dirname(self), `daemon-main${path.extname(self)}`);
  const args = [entry, '--dir', dir, '--host', options.host, '--port', String(options.port), '--latency', String(manners.latencyMs), '--rate-limit', String(manners.rateLimit)];
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: devnetEnvironment(),
  });
  fs.closeSync(log);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  child.unref();
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited !== null) {
      // The daemon's own typed error (corrupt state, port in use) is the one the foreground start gives.
      const typed = takeStartupError(dir);
      if (typed) throw typed;
      const tail = fs.readFileSync(path.join(dir, LOG_FILE), 'utf8').trim().split('\n').slice(-3).join(' | ');
      throw new CocoonError('CHAIN_UNAVAILABLE', `The devnet exited during start-up (code ${exited}): ${tail}`, {
        hint: `See ${path.join(dir, LOG_FILE)}.`,
      });
    }
    const status = await devnetStatus(dir);
    if (status.running && status.pid === child.pid) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new CocoonError('TIMEOUT', 'The devnet did not answer within its start-up time.', {hint: `See ${path.join(dir, LOG_FILE)}.`});
}

/** Stop the running devnet (SIGTERM, then wait). Returns false if none was running. */
export async function stopDevnet(options: {timeoutMs?: number} = {}): Promise<boolean> {
  const dir = devnetDir();
  const status = await devnetStatus(dir);
  if (!status.pid) return false;
  process.kill(status.pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (isAlive(status.pid)) {
    if (Date.now() > deadline) {
      throw new CocoonError('TIMEOUT', `The devnet (pid ${status.pid}) did not stop.`, {hint: `Kill it with \`kill ${status.pid}\`.`});
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  fs.rmSync(path.join(dir, PID_FILE), {force: true});
  return true;
}

/** Delete the devnet's state; refuses while it runs. */
export async function resetDevnet(): Promise<{dir: string; removed: boolean}> {
  const dir = devnetDir();
  const status = await devnetStatus(dir);
  if (status.running) {
    throw new CocoonError('INVALID_INPUT', `The devnet is running (pid ${status.pid}); it cannot be reset while it runs.`, {
      hint: 'Stop it first with `cocoon devnet stop`, or pass --force to stop it.',
    });
  }
  const removed = status.hasState || fs.existsSync(dir);
  fs.rmSync(dir, {recursive: true, force: true});
  return {dir, removed};
}
