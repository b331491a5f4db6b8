import {devnetDir, devnetStatus, resetDevnet as removeDevnetState, startDetached, stopDevnet, type DevnetStatus} from '../devnet/control.js';
import {CocoonError} from '../errors.js';
import type {AppContext} from './context.js';
import type {Spin} from './wallets.js';

const noSpin: Spin = (_label, work) => work;

export type {DevnetStatus} from '../devnet/control.js';
/** Whether the devnet runs, where, and its genesis contracts. */
export {devnetStatus};
/** Stop the running devnet (its state stays on disk); false when none was running. */
export {stopDevnet};

/** How to start the devnet (host and port come from the context's settings). */
export interface StartRequest {
  /** Run in the background and return once it answers. Default: serve in this process until `until` settles. */
  detach?: boolean;
  /** Serving in this process: resolves when it should stop (e.g. on Ctrl-C). Called once it listens. Required then. */
  until?: () => Promise<unknown>;
  /** Serving in this process: called once it listens. */
  onListening?: (url: string) => void;
  /** Something the user should know (a non-loopback host). */
  onWarning?: (message: string) => void;
  /** ms added to every JSON-RPC answer, as a real network's round trip. Default: 0. */
  latencyMs?: number;
  /** JSON-RPC requests per second before a 429 in toncenter's shape (toncenter without a key: 1). Default: 0, unlimited. */
  rateLimit?: number;
  spin?: Spin;
}

/** What `devnet start --json` prints. */
export type StartView = DevnetStatus & {alreadyRunning: boolean};

/** What `devnet fund --json` prints. */
export interface FundView {
  address: string;
  /** GRAM. */
  amount: string;
  balance: string;
  lt: string;
  hash: string;
}

/**
 * Start the local devnet: detached (an existing one is reported, not an
 * error), or in this process until `until` settles, saving its state then.
 */
export async function startDevnet(app: AppContext, request: StartRequest): Promise<StartView> {
  const host = app.settings.get('devnet.host');
  const port = app.settings.get('devnet.port');
  const current = await devnetStatus();
  if (current.running) {
    if (!request.detach) {
      throw new CocoonError('ALREADY_EXISTS', `A devnet is already running at ${current.url} (pid ${current.pid}).`, {hint: 'Stop it with `cocoon devnet stop`.'});
    }
    return {...current, alreadyRunning: true};
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) request.onWarning?.(`Listening on ${host}: anyone who reaches it can use the faucet.`);
  const manners = {latencyMs: request.latencyMs ?? 0, rateLimit: request.rateLimit ?? 0};
  for (const [name, value] of [['--latency', manners.latencyMs], ['--rate-limit', manners.rateLimit]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new CocoonError('INVALID_INPUT', `${name} must be 0 or more (got ${value}).`);
  }
  if (request.detach) return {...(await (request.spin ?? noSpin)('Starting devnet', startDetached({host, port, manners}))), alreadyRunning: false};
  if (!request.until) throw new CocoonError('INTERNAL', 'startDevnet needs `until` to serve in this process.');
  const {serveDevnet} = await import('../devnet/serve.js');
  const {server, stop} = await serveDevnet({host, port, manners});
  request.onListening?.(server.url);
  await request.until();
  const info = server.info();
  await stop();
  return {running: false, url: server.url, pid: process.pid, info, dir: devnetDir(), hasState: true, alreadyRunning: false, ...manners};
}

/** Delete the devnet chain after a confirmation; `force` stops a running devnet first. */
export async function resetDevnet(request: {force?: boolean; confirm: (question: string) => Promise<boolean>}): Promise<{dir: string; removed: boolean; wasRunning: boolean}> {
  if (!(await request.confirm('Delete the devnet chain and everything on it?'))) {
    throw new CocoonError('ABORTED', 'Reset cancelled; nothing was deleted.');
  }
  const wasRunning = request.force ? await stopDevnet() : false;
  return {...(await removeDevnetState()), wasRunning};
}

/** Send GRAM from the devnet faucet to an address or one of the user's wallets. */
export async function fundDevnet(app: AppContext, request: {target: string; amount: string; spin?: Spin}): Promise<FundView> {
  if (app.network !== 'devnet') {
    throw new CocoonError('USAGE', `The faucet exists only on devnet (the network is ${app.network}).`, {hint: 'Use --network devnet.'});
  }
  // Loaded here, not above: `devnet status` and `stop` start faster without the TON libraries.
  const [{formatTon, parseTon}, {formatAddress}, {resolveAddressOrWallet}, {fundFromFaucet}] = await Promise.all([
    import('../chain/units.js'),
    import('../chain/wallet-contract.js'),
    import('../wallet/service.js'),
    import('../devnet/faucet.js'),
  ]);
  const amount = parseTon(request.amount);
  const address = await resolveAddressOrWallet(request.target, app.wallets, 'devnet');
  const url = `http://${app.settings.get('devnet.host')}:${app.settings.get('devnet.port')}`;
  const result = await (request.spin ?? noSpin)('Funding', fundFromFaucet({url, address, amount}));
  return {address: formatAddress(address, 'devnet'), amount: formatTon(amount), balance: formatTon(result.balance), lt: result.lt, hash: result.hash};
}
