// A rig: several nodes of this machine served at once, one child process per
// node (`provide start --node NAME`), so each gets its own GPU through the
// backend's device mask (CUDA_VISIBLE_DEVICES, GGML_VK_VISIBLE_DEVICES) the
// way one-worker-per-GPU operators run them, and a crash takes one node down,
// not the rig. A child that fails is restarted with a growing pause, at most
// `maxRestarts` times in ten minutes; on stop every child is sent SIGINT and
// settles its own channels. Each child's log lines come through tagged.
import {spawn, type ChildProcess} from 'node:child_process';

/** One node of the rig and how it ended. */
export interface RigNodeResult {
  node: string;
  /** What the child printed as its --json result (its URL and settled channels), when it stopped cleanly. */
  result?: unknown;
  exitCode: number | null;
  restarts: number;
}

/** Options of runRig. */
export interface RigOptions {
  nodes: string[];
  /** GPU device index per node ('0', '1', or '0,1'); a node without one sees every device. */
  devices?: Record<string, string>;
  /** The CLI entry (bin/run.js) and the `provide start` arguments shared by every node. */
  cliPath: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** A log line (already tagged with the node). */
  log: (line: string) => void;
  /** Restarts allowed per node within ten minutes. Default: 5. */
  maxRestarts?: number;
  /** First pause before a restart, ms (doubles each time). Default: 2000. */
  restartDelayMs?: number;
}

/** A running rig. */
export interface Rig {
  /** Nodes whose child is up now. */
  running(): string[];
  /** Resolves when a node's child has printed `pattern` (e.g. its "serving" line). */
  ready(node: string, pattern: RegExp): Promise<void>;
  /** SIGINT to every child; resolves when all have settled and exited. */
  stop(): Promise<RigNodeResult[]>;
  /** Resolves if every node gave up (too many restarts). */
  failed: Promise<RigNodeResult[]>;
}

interface Member {
  node: string;
  child?: ChildProcess;
  stdout: string;
  restarts: number[];
  exitCode: number | null;
  waiters: {pattern: RegExp; resolve: () => void}[];
  seen: string;
  gaveUp: boolean;
}

/** Tag a logger line `2026-12-01T… info  message` with its node: `2026-12-01T… info  [a] message`. */
export function tagLine(node: string, line: string): string {
  const m = /^(\S+ \S+\s+)(.*)$/.exec(line);
  return m ? `${m[1]}[${node}] ${m[2]}` : `[${node}] ${line}`;
}

/** Start one child per node and supervise them. */
export function runRig(options: RigOptions): Rig {
  const maxRestarts = options.maxRestarts ?? 5;
  const members = options.nodes.map((node): Member => ({node, stdout: '', restarts: [], exitCode: null, waiters: [], seen: '', gaveUp: false}));
  let stopping = false;
  let failedResolve!: (r: RigNodeResult[]) => void;
  const failed = new Promise<RigNodeResult[]>((resolve) => (failedResolve = resolve));
  const results = () => members.map((m) => ({node: m.node, exitCode: m.exitCode, restarts: m.restarts.length, ...(parse(m.stdout) !== undefined ? {result: parse(m.stdout)} : {})}));

  const launch = (m: Member) => {
    const device = options.devices?.[m.node];
    const env = {...process.env, ...options.env, ...(device !== undefined ? {CUDA_VISIBLE_DEVICES: device, GGML_VK_VISIBLE_DEVICES: device} : {})};
    const child = spawn(process.execPath, [options.cliPath, 'provide', 'start', '--node', m.node, ...options.args, '--json'], {env, stdio: ['ignore', 'pipe', 'pipe']});
    m.child = child;
    m.stdout = '';
    options.log(`[${m.node}] started (pid ${child.pid}${device !== undefined ? `, GPU ${device}` : ''})`);
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => (m.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        options.log(tagLine(m.node, line));
        m.seen = `${m.seen}${line}\n`.slice(-65_536);
      }
      for (const w of [...m.waiters]) if (w.pattern.test(m.seen)) (m.waiters.splice(m.waiters.indexOf(w), 1), w.resolve());
    });
    child.on('exit', (code) => {
      m.exitCode = code;
      m.child = undefined;
      if (stopping) return;
      const now = Date.now();
      m.restarts = m.restarts.filter((t) => now - t < 600_000);
      if (m.restarts.length >= maxRestarts) {
        m.gaveUp = true;
        options.log(`[${m.node}] exited (${code}) ${maxRestarts} times in ten minutes: giving up on it`);
        if (members.every((x) => x.gaveUp)) failedResolve(results());
        return;
      }
      const delay = (options.restartDelayMs ?? 2000) * 2 ** m.restarts.length;
      m.restarts.push(now);
      options.log(`[${m.node}] exited (${code}); restarting in ${Math.round(delay / 1000)} s`);
      setTimeout(() => !stopping && launch(m), delay).unref();
    });
  };
  for (const m of members) launch(m);

  return {
    running: () => members.filter((m) => m.child).map((m) => m.node),
    ready: (node, pattern) =>
      new Promise((resolve) => {
        const m = members.find((x) => x.node === node)!;
        if (pattern.test(m.seen)) return resolve();
        m.waiters.push({pattern, resolve});
      }),
    stop: async () => {
      stopping = true;
      await Promise.all(
        members.map((m) => {
          const child = m.child;
          if (!child) return undefined;
          return new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGINT');
          });
        }),
      );
      return results();
    },
    failed,
  };
}

function parse(stdout: string): unknown {
  const text = stdout.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
