// `cocoon provide service install|uninstall|status|logs`: run a node as a
// systemd unit (user or system) or a launchd agent that starts at boot or
// login, restarts on failure and settles on stop. The node key's password goes
// to a 0600 file beside the config (or a systemd credential for system units)
// after it is checked against the key; the unit names the file, never the
// password. Writing the files and asking the service manager are separate
// steps, so `--no-start` installs on a machine whose manager is not running.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execFileSync, spawnSync} from 'node:child_process';
import {CocoonError} from '../errors.js';
import {resolvePaths} from '../config/paths.js';
import {launchdLabel, launchdPlist, systemdUnit, type ServiceSpec} from './service-units.js';
import type {AppContext} from './context.js';
import {localProvider, nodeName, providerWallet} from './provide.js';

/** Which service manager, and whose. */
export interface ServiceTarget {
  platform: 'systemd' | 'launchd';
  scope: 'user' | 'system';
}

/** Options of installService. */
export interface InstallOptions extends Partial<ServiceTarget> {
  node?: string;
  /** Flags passed on to `provide start` (host, port, parallel, threads, gpu, renew…), already validated by the command. */
  startArgs?: string[];
  /** Renew the record's rent from the wallet when due: keeps that wallet's password too. */
  renew?: boolean;
  /** The wallet `--renew` pays from. Default: the node's registering wallet. */
  wallet?: string;
  /** Write the files only: do not enable or start the service. */
  noStart?: boolean;
  /** The CLI entry to run. Default: this process's bin/run.js. */
  cliPath?: string;
}

/** What install, uninstall and status report. */
export interface ServiceView {
  node: string;
  platform: ServiceTarget['platform'];
  scope: ServiceTarget['scope'];
  /** The unit or plist file. */
  file: string;
  unit: string;
  /** Files holding secrets (mode 0600), by variable. Their contents are never shown. */
  secretFiles: Record<string, string>;
  /** What the service manager said, when it was asked. */
  started?: boolean;
  state?: Record<string, string>;
  installed: boolean;
}

function defaultTarget(options: Partial<ServiceTarget>): ServiceTarget {
  const platform = options.platform ?? (process.platform === 'darwin' ? 'launchd' : 'systemd');
  if (platform === 'launchd' && options.scope === 'system') throw new CocoonError('USAGE', 'launchd services are installed per user here (a LaunchAgent).', {hint: 'Drop --system on macOS.'});
  return {platform, scope: options.scope ?? 'user'};
}

function unitName(node: string): string {
  return `cocoon-provider-${node}`;
}

/** Where the unit or plist goes. */
export function serviceFile(target: ServiceTarget, node: string, env: NodeJS.ProcessEnv = process.env): string {
  if (target.platform === 'launchd') return path.join(os.homedir(), 'Library', 'LaunchAgents', `${launchdLabel({node})}.plist`);
  if (target.scope === 'system') return path.join(env.COCOON_SYSTEMD_DIR || '/etc/systemd/system', `${unitName(node)}.service`);
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'systemd', 'user', `${unitName(node)}.service`);
}

function secretDir(): string {
  return path.join(resolvePaths().configDir, 'service');
}

// The secret files a node's service has on disk, by variable.
function existingSecrets(node: string): Record<string, string> {
  const files: Record<string, string> = {COCOON_NODE_PASSWORD: path.join(secretDir(), `${node}.node-password`), COCOON_WALLET_PASSWORD: path.join(secretDir(), `${node}.wallet-password`)};
  return Object.fromEntries(Object.entries(files).filter(([, f]) => fs.existsSync(f)));
}

function writeSecret(file: string, secret: string): void {
  fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
  fs.writeFileSync(file, `${secret}\n`, {mode: 0o600});
  fs.chmodSync(file, 0o600);
}

function defaultCliPath(): string {
  const entry = process.argv[1];
  if (entry && /run\.js$/.test(entry)) return path.resolve(entry);
  throw new CocoonError('USAGE', 'Cannot tell which cocoon to run from the service.', {hint: 'Run `cocoon provide service install` from the installed CLI (bin/run.js).'});
}

/** The spec of a node's service: what `provide start` the unit runs, with which environment and secrets. */
function serviceSpec(app: AppContext, target: ServiceTarget, options: InstallOptions & {node: string; secretFiles: Record<string, string>}): ServiceSpec {
  const paths = resolvePaths();
  const env: Record<string, string> = {};
  if (process.env.COCOON_HOME) env.COCOON_HOME = path.resolve(process.env.COCOON_HOME);
  else if (target.scope === 'system') {
    // Another account's defaults would point elsewhere: name the directories this user configured.
    env.XDG_CONFIG_HOME = path.dirname(paths.configDir);
    env.XDG_DATA_HOME = path.dirname(paths.dataDir);
  }
  if (app.network !== 'devnet' || process.env.COCOON_NETWORK) env.COCOON_NETWORK = app.network;
  const credentials: Record<string, string> = {};
  for (const [variable, file] of Object.entries(options.secretFiles)) {
    if (target.platform === 'systemd' && target.scope === 'system') credentials[variable.toLowerCase()] = file;
    else env[`${variable}_FILE`] = file;
  }
  return {
    node: options.node,
    name: unitName(options.node),
    scope: target.scope,
    execPath: process.execPath,
    cliPath: options.cliPath ?? defaultCliPath(),
    args: ['provide', 'start', '--node', options.node, ...(options.startArgs ?? [])],
    env,
    credentials,
    ...(target.scope === 'system' ? {user: os.userInfo().username, writablePaths: [paths.configDir, paths.dataDir]} : {}),
    workingDirectory: os.homedir(),
    ...(target.platform === 'launchd' ? {logFile: path.join(os.homedir(), 'Library', 'Logs', 'cocoon', `provider-${options.node}.log`)} : {}),
  };
}

function manager(target: ServiceTarget, args: string[]): {ok: boolean; out: string} {
  const [cmd, full] = target.platform === 'systemd' ? ['systemctl', [...(target.scope === 'user' ? ['--user'] : []), ...args]] : ['launchctl', args];
  const r = spawnSync(cmd, full, {encoding: 'utf8'});
  if (r.error) return {ok: false, out: `${cmd}: ${r.error.message}`};
  return {ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim()};
}

function managerOrThrow(target: ServiceTarget, args: string[], what: string): string {
  const r = manager(target, args);
  if (!r.ok) {
    throw new CocoonError('NOT_FOUND', `${what} failed: ${r.out.split('\n')[0] || 'no output'}.`, {
      hint: target.platform === 'systemd' ? 'Is systemd running here (`systemctl --user status`)? Install with --no-start to write the unit only.' : 'Check `launchctl print gui/$(id -u)`.',
    });
  }
  return r.out;
}

/** Write the node's unit (and secret files), then enable and start it unless `noStart`. */
export async function installService(app: AppContext, options: InstallOptions = {}): Promise<ServiceView> {
  const target = defaultTarget(options);
  const node = nodeName(options.node);
  if (!app.hasNodeKey(node)) throw new CocoonError('NOT_FOUND', `This machine has no key for node "${node}".`, {hint: `Register it first: \`cocoon provide register${node === 'default' ? '' : ` --node ${node}`}\`.`});
  if (!localProvider(app, node)) throw new CocoonError('USAGE', `Node "${node}" was not registered from this machine, so there is no model to serve.`, {hint: 'Register it here first (`cocoon provide register`).'});
  // The password must unlock the key now: a wrong one would become a restart loop.
  const password = await app.secret({kind: 'node-key', creating: false, ...(node === 'default' ? {} : {node})});
  const {loadNodeKey} = await import('../crypto/node-key.js');
  await loadNodeKey({path: app.nodeKeyPath(node), password});
  const secretFiles: Record<string, string> = {COCOON_NODE_PASSWORD: path.join(secretDir(), `${node}.node-password`)};
  let walletPassword: string | undefined;
  const startArgs = [...(options.startArgs ?? [])];
  if (options.renew) {
    const wallet = providerWallet(app, options.wallet, node);
    walletPassword = await app.secret({kind: 'wallet', name: wallet});
    const {unlockWallet} = await import('../wallet/service.js');
    await unlockWallet(app.wallets, wallet, walletPassword); // the password is checked now, not at the first renewal
    secretFiles.COCOON_WALLET_PASSWORD = path.join(secretDir(), `${node}.wallet-password`);
    startArgs.push('--renew', '--wallet', wallet);
  }
  const spec = serviceSpec(app, target, {...options, startArgs, node, secretFiles});
  const file = serviceFile(target, node);
  const text = target.platform === 'systemd' ? systemdUnit(spec) : launchdPlist(spec);
  writeSecret(secretFiles.COCOON_NODE_PASSWORD!, password);
  if (walletPassword !== undefined) writeSecret(secretFiles.COCOON_WALLET_PASSWORD!, walletPassword);
  fs.mkdirSync(path.dirname(file), {recursive: true});
  fs.writeFileSync(file, text, {mode: 0o644});
  const view: ServiceView = {node, ...target, file, unit: target.platform === 'systemd' ? `${spec.name}.service` : launchdLabel(spec), secretFiles, installed: true};
  if (options.noStart) return view;
  if (target.platform === 'systemd') {
    managerOrThrow(target, ['daemon-reload'], 'systemctl daemon-reload');
    managerOrThrow(target, ['enable', '--now', view.unit], `systemctl enable --now ${view.unit}`);
  } else {
    managerOrThrow(target, ['bootstrap', `gui/${os.userInfo().uid}`, file], `launchctl bootstrap ${view.unit}`);
  }
  return {...view, started: true};
}

// Where a node's service lives and what of it is on disk now.
function installedView(options: {node?: string} & Partial<ServiceTarget>): ServiceView {
  const target = defaultTarget(options);
  const node = nodeName(options.node);
  const file = serviceFile(target, node);
  const unit = target.platform === 'systemd' ? `${unitName(node)}.service` : launchdLabel({node});
  return {node, ...target, file, unit, secretFiles: existingSecrets(node), installed: fs.existsSync(file)};
}

/** Stop and disable the node's service (the node settles as it stops), then remove its unit and secret files. */
export async function uninstallService(options: {node?: string} & Partial<ServiceTarget> = {}): Promise<ServiceView> {
  const view = installedView(options);
  const {node, file, unit, secretFiles, ...target} = view;
  if (!fs.existsSync(file) && Object.keys(secretFiles).length === 0) {
    throw new CocoonError('NOT_FOUND', `No service is installed for node "${node}" (${file}).`, {hint: '`cocoon provide service status` lists what is installed.'});
  }
  // Best effort: a manager that is not running has nothing to stop.
  if (target.platform === 'systemd') {
    manager(target, ['disable', '--now', unit]);
    manager(target, ['daemon-reload']);
  } else manager(target, ['bootout', `gui/${os.userInfo().uid}/${unit}`]);
  fs.rmSync(file, {force: true});
  for (const f of Object.values(secretFiles)) fs.rmSync(f, {force: true});
  return {...view, installed: false};
}

/** Whether the node's service is installed and what the manager says of it. */
export async function serviceStatus(options: {node?: string} & Partial<ServiceTarget> = {}): Promise<ServiceView> {
  const view = installedView(options);
  const target = {platform: view.platform, scope: view.scope};
  const r = target.platform === 'systemd' ? manager(target, ['show', view.unit, '-p', 'LoadState,ActiveState,SubState,NRestarts,ExecMainStartTimestamp']) : manager(target, ['print', `gui/${os.userInfo().uid}/${view.unit}`]);
  if (!r.ok) return {...view, state: {manager: r.out.split('\n')[0] ?? 'unavailable'}};
  const state = Object.fromEntries(r.out.split('\n').map((l) => l.split('=')).filter((kv) => kv.length >= 2).map(([k, ...v]) => [k!.trim(), v.join('=').trim()]));
  return {...view, state};
}

/** The command that shows the node's logs (journalctl, or tail on the launchd log file). */
export function serviceLogsCommand(options: {node?: string; follow?: boolean; lines?: number} & Partial<ServiceTarget> = {}): {command: string; args: string[]} {
  const target = defaultTarget(options);
  const node = nodeName(options.node);
  const lines = String(options.lines ?? 100);
  if (target.platform === 'launchd') {
    return {command: 'tail', args: ['-n', lines, ...(options.follow ? ['-f'] : []), path.join(os.homedir(), 'Library', 'Logs', 'cocoon', `provider-${node}.log`)]};
  }
  return {command: 'journalctl', args: [...(target.scope === 'user' ? ['--user'] : []), '-u', `${unitName(node)}.service`, '-n', lines, '--no-pager', ...(options.follow ? ['-f'] : [])]};
}

/** True when a command exists on PATH (for a clear error before spawning it). */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
}
