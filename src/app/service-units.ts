// The files `provide service install` writes: a systemd unit (user or system)
// or a launchd agent plist that runs `cocoon provide start --node NAME`,
// restarts it on failure, stops it with SIGINT and time to settle, and names
// the secrets by file (a 0600 file or a systemd credential), never by value.
// Pure text: tested against `systemd-analyze verify` and a golden plist.

/** What one service runs, and where. */
export interface ServiceSpec {
  /** The node served. */
  node: string;
  /** systemd unit / launchd label stem, e.g. `cocoon-provider-default`. */
  name: string;
  scope: 'user' | 'system';
  /** Absolute path of the Node binary and of the CLI's bin/run.js. */
  execPath: string;
  cliPath: string;
  /** Arguments after the CLI path: `provide start --node NAME …`. */
  args: string[];
  /** Environment for the process (paths only: COCOON_HOME, *_FILE). */
  env: Record<string, string>;
  /** systemd system units: credentials loaded from these files (name → path), readable by the service only. */
  credentials?: Record<string, string>;
  /** systemd system units: the account the node runs as. */
  user?: string;
  workingDirectory: string;
  /** systemd system units: what the node may write (its config and data directories). */
  writablePaths?: string[];
  /** launchd: where stdout and stderr go. */
  logFile?: string;
}

/** Seconds a stop may take: answers in flight finish and every channel is claimed. */
export const STOP_TIMEOUT_S = 180;

/** One systemd word: quoted when it holds anything the unit parser would split or expand. */
export function systemdWord(word: string): string {
  const escaped = word.replaceAll('%', '%%').replaceAll('$', '$$$$');
  if (!/[\s"'\\;]/.test(escaped) && escaped !== '') return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The unit file's text. */
export function systemdUnit(spec: ServiceSpec): string {
  const system = spec.scope === 'system';
  const lines = [
    `# Written by \`cocoon provide service install\`; remove it with \`cocoon provide service uninstall --node ${spec.node}\`.`,
    '# Secrets are not in this file: the node key password is read from the file or credential named below.',
    '[Unit]',
    `Description=Cocoon provider node ${spec.node} (serves a model for GRAM)`,
    'After=network-online.target',
    'Wants=network-online.target',
    'StartLimitIntervalSec=600',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    ...(system && spec.user ? [`User=${spec.user}`] : []),
    `WorkingDirectory=${systemdWord(spec.workingDirectory)}`,
    ...Object.entries(spec.env).map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}`),
    ...(system ? Object.entries(spec.credentials ?? {}).map(([k, v]) => `LoadCredential=${k}:${v}`) : []),
    `ExecStart=${[spec.execPath, spec.cliPath, ...spec.args].map(systemdWord).join(' ')}`,
    // SIGINT is the node's Ctrl-C: finish answers in flight, claim every channel, then exit.
    'KillSignal=SIGINT',
    `TimeoutStopSec=${STOP_TIMEOUT_S}`,
    'Restart=on-failure',
    'RestartSec=10',
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    ...(system ? ['ProtectSystem=strict', ...(spec.writablePaths?.length ? [`ReadWritePaths=${spec.writablePaths.map(systemdWord).join(' ')}`] : [])] : []),
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.join('\n');
}

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** The launchd label of a spec: `com.cocoon.provider.<node>`. */
export function launchdLabel(spec: Pick<ServiceSpec, 'node'>): string {
  return `com.cocoon.provider.${spec.node}`;
}

/** The launchd agent plist's text. */
export function launchdPlist(spec: ServiceSpec): string {
  const str = (s: string) => `<string>${xml(s)}</string>`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- Written by \`cocoon provide service install\`; remove it with \`cocoon provide service uninstall --node ${xml(spec.node)}\`. No secrets in here. -->`,
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${str(launchdLabel(spec))}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[spec.execPath, spec.cliPath, ...spec.args].map((a) => `    ${str(a)}`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...Object.entries(spec.env).flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, `    ${str(v)}`]),
    '  </dict>',
    '  <key>WorkingDirectory</key>',
    `  ${str(spec.workingDirectory)}`,
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>10</integer>',
    '  <key>ExitTimeOut</key>',
    `  <integer>${STOP_TIMEOUT_S}</integer>`,
    ...(spec.logFile ? ['  <key>StandardOutPath</key>', `  ${str(spec.logFile)}`, '  <key>StandardErrorPath</key>', `  ${str(spec.logFile)}`] : []),
    '</dict>',
    '</plist>',
    '',
  ];
  return out.join('\n');
}
