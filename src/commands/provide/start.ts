import {Flags} from '@oclif/core';
import type {ClaimView} from '../../app/provide.js';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {askPassword} from '../../cli/prompts.js';
import type {RigNodeResult} from '../../cli/rig.js';
import {secretFromEnv} from '../../cli/secret-env.js';
import {LOG_LEVELS, createLogger, type LogLevel} from '../../cli/logger.js';
import {nodeEventLines} from '../../cli/node-log.js';
import {waitForStopSignal} from '../../cli/signals.js';

export default class ProvideStart extends BaseCommand<typeof ProvideStart> {
  static override description = [
    'Serve a registered node: checks its registration, answers encrypted queries, and claims payment by itself (Ctrl-C settles and stops).',
    '',
    'One node (--node NAME, default `default`) is served in this process. Several (--node a --node b, or --all) make a rig: one process per node, each on its own port and, with --device, its own GPU; a node that crashes is restarted, and Ctrl-C stops and settles them all. `provide status` shows each node\'s load and earnings.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> provide start',
    'COCOON_NODE_PASSWORD=… <%= config.bin %> provide start --threads 8 --parallel 4 --claim-threshold 0.5',
    '<%= config.bin %> provide start --node gpu2',
    '<%= config.bin %> provide start --all --device auto',
    '<%= config.bin %> provide start --node a --node b --device a=0 --device b=1',
    '<%= config.bin %> provide start --node home   # registered with --relay: no inbound port, reached through its relays',
  ];
  static override flags = {
    node: Flags.string({description: 'Node of this machine to serve: its own node key, registration, model and port; repeat it to serve several as a rig [default: default]', helpValue: 'NAME', multiple: true}),
    all: Flags.boolean({description: 'Serve every node of this machine (a rig: one process per node)', exclusive: ['node']}),
    device: Flags.string({description: 'GPU per node in a rig: NAME=INDEX (repeatable; INDEX may be a list like 0,1), or `auto` to give each node its own CUDA GPU in turn', multiple: true, helpValue: 'NAME=INDEX|auto'}),
    wallet: sharedFlags.wallet,
    model: Flags.string({char: 'm', description: 'Model file [default: the one registered from this machine]'}),
    port: Flags.integer({description: 'Port [default: as registered, 8740]', min: 0, max: 65_535}),
    host: Flags.string({description: 'Listen address [default: 127.0.0.1; use 0.0.0.0 behind a TLS proxy to serve the internet]'}),
    threads: Flags.integer({description: 'CPU threads [default: inference.threads, else physical cores]', min: 1}),
    parallel: Flags.integer({description: 'Answers generated at once [default: 2]', min: 1, max: 64}),
    gpu: Flags.string({description: 'GPU backend [default: inference.gpu, auto]', options: ['auto', 'cuda', 'vulkan', 'metal', 'off']}),
    'claim-threshold': Flags.string({description: 'Claim a channel once this many GRAM are unclaimed [default: 1]'}),
    'settle-interval': Flags.integer({description: 'Seconds between settlement passes [default: 30]', min: 1}),
    'rate-limit': Flags.integer({description: 'Requests per second one address may send before they prove an open channel, burst 3× that (requests of an open channel count per channel instead, 200/s) [default: 10]', min: 1}),
    'trusted-proxy': Flags.string({description: 'Take the client address from X-Forwarded-For when the request comes from this proxy (address or CIDR; repeatable, e.g. 127.0.0.1 for a local TLS proxy) [default: none, the header is ignored]', multiple: true}),
    'min-close-delay': Flags.integer({description: 'Refuse channels whose close delay is shorter, seconds (time to claim after a consumer starts closing) [default: 600]', min: 1}),
    'max-waived': Flags.integer({description: 'Charges a channel may decline as never received (each is one free answer); beyond them it is served only while what it declined stays within 1 % of what it paid [default: 3]', min: 0}),
    'credit-queries': Flags.integer({description: 'Answers one channel may have unpaid or running at once (its credit window) [default: 8]', min: 1, max: 256}),
    'credit-limit': Flags.string({description: 'GRAM one channel may owe, unpaid plus the worst case of running answers [default: 0.1]'}),
    'pow-difficulty': Flags.integer({description: 'Proof of work asked of every query, leading zero bits of SHA-256 (each bit doubles a consumer\'s work; 20 ≈ 1 s) [default: 0, off]', min: 0, max: 20}),
    renew: Flags.boolean({description: 'Renew the record\'s rent from the wallet when 30 days or less are left (unlocks the wallet at start; without it the node only warns, and `cocoon provide renew` does it by hand)', default: false}),
    'audit-peers': Flags.integer({description: 'Audit peers serving the same model hash in the background, this many challenges per hour on average, re-scored with this node\'s engine and paid from the wallet (unlocked on the first channel; docs/audit.md) [default: off]', min: 1}),
    relay: Flags.string({description: 'Reserve this libp2p relay, or auto: up to 3 relays listed on chain that answer (repeatable) [default: the relays the node registered with `provide register --relay`]', multiple: true}),
    'p2p-listen': Flags.string({description: 'Also listen for libp2p directly on this multiaddr (a forwarded port; lets consumers upgrade from the relay with DCUtR), e.g. /ip4/0.0.0.0/tcp/4001 (repeatable) [default: none, dial out only]', multiple: true}),
    'log-level': Flags.string({description: 'Log level', options: [...LOG_LEVELS], default: 'info'}),
  };

  async run(): Promise<{url: string; settled: ClaimView[]} | {nodes: RigNodeResult[]}> {
    const log = createLogger(this.flags['log-level'] as LogLevel);
    const nodes = this.flags.node ?? [];
    if (this.flags.all || nodes.length > 1) return this.runRig(log);
    if (this.flags.device?.length) this.error('--device applies to a rig (several --node, or --all); for one node, set CUDA_VISIBLE_DEVICES', {exit: 2});
    const app = await this.app({settings: {'inference.gpu': this.flags.gpu, 'inference.threads': this.flags.threads}});
    const provide = await import('../../app/provide.js');
    const node = await provide.startNode(app, {
      node: nodes[0],
      wallet: this.flags.wallet,
      modelPath: this.flags.model,
      host: this.flags.host,
      port: this.flags.port,
      parallel: this.flags.parallel,
      claimThreshold: this.flags['claim-threshold'],
      settleIntervalMs: this.flags['settle-interval'] === undefined ? undefined : this.flags['settle-interval'] * 1000,
      rateLimit: this.flags['rate-limit'],
      trustedProxies: this.flags['trusted-proxy'],
      minCloseDelay: this.flags['min-close-delay'],
      maxWaived: this.flags['max-waived'],
      creditQueries: this.flags['credit-queries'],
      creditLimit: this.flags['credit-limit'],
      powDifficulty: this.flags['pow-difficulty'],
      renew: this.flags.renew,
      onChecking: (wallet) => log.info(`checking the registration of ${provide.shownAddress(app, wallet)} on ${app.network}`),
      onEvent: (event) => nodeEventLines(event).forEach(({level, line}) => log[level](line)),
      relays: this.flags.relay,
      p2pListen: this.flags['p2p-listen'],
      onP2p: (event) => (event.type === 'relay' ? log[event.state === 'lost' ? 'warn' : 'info'](`relay ${event.relay}: ${event.state === 'lost' ? 'reservation lost, trying it again' : 'reserved'}`) : log.warn(event.message)),
    });
    const what = node.engine.model.kind === 'embeddings' ? `embeddings of ${node.record.model} (${node.engine.model.dimensions} dimensions, ${node.engine.backend})` : `${node.record.model} (${node.engine.backend})`;
    log.info(`serving ${what} at ${node.url}; registered endpoint ${node.record.endpoint}`);
    const pow = node.server.info().pow.difficulty;
    if (pow > 0) log.info(`asking ${pow} bits of proof of work per query`);
    const perHour = this.flags['audit-peers'];
    const auditor = perHour ? (await import('../../app/peer-audit.js')).startPeerAudits(app, {node, perHour, wallet: this.flags.wallet, onResult: (line) => log.info(line)}) : undefined;
    if (perHour) log.info(`auditing peers that serve the same model: ${perHour} challenges per hour`);
    const signal = await waitForStopSignal();
    await auditor?.stop();
    log.info(`${signal}: finishing answers in flight, then settling every channel (Ctrl-C again to quit at once)`);
    const settled = provide.claimViews(await node.close());
    for (const r of settled) log.info(`${r.channel}: ${r.outcome}${r.outcome === 'claimed' ? ` ${r.claimed} GRAM` : ''}`);
    log.info('stopped');
    return {url: node.url, settled};
  }

  private async runRig(log: ReturnType<typeof createLogger>): Promise<{nodes: RigNodeResult[]}> {
    const app = await this.app();
    const {planRig} = await import('../../app/rig-plan.js');
    const plan = await planRig(app, {nodes: this.flags.all ? undefined : this.flags.node, devices: this.flags.device ?? []});
    // The children have no terminal: the node key password is asked here, once, and handed down in their environment.
    const env: NodeJS.ProcessEnv = {};
    if (!secretFromEnv('COCOON_NODE_PASSWORD')) env.COCOON_NODE_PASSWORD = await askPassword({message: 'Password for the provider node keys:', envVar: 'COCOON_NODE_PASSWORD'});
    const {runRig} = await import('../../cli/rig.js');
    const rig = runRig({nodes: plan.nodes, devices: plan.devices, cliPath: process.argv[1]!, args: childArgs(this.argv), env, log: (line) => process.stderr.write(`${line}\n`)});
    log.info(`rig: serving ${plan.nodes.map((n) => (plan.devices[n] !== undefined ? `${n} (GPU ${plan.devices[n]})` : n)).join(', ')}, one process each (Ctrl-C settles and stops them all)`);
    const signal = await Promise.race([waitForStopSignal(), rig.failed.then(() => 'failed' as const)]);
    if (signal === 'failed') this.error('every node of the rig gave up after repeated failures (see the lines above)', {exit: 10});
    log.info(`${signal}: stopping every node; each finishes its answers and settles its channels`);
    const results = await rig.stop();
    for (const r of results) log.info(`[${r.node}] stopped (exit ${r.exitCode}${r.restarts ? `, restarted ${r.restarts}×` : ''})`);
    return {nodes: results};
  }
}

/** The `provide start` flags every child of a rig shares: the command line without the node selection and --json. */
function childArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json' || a === '--all') continue;
    if (a === '--node' || a === '--device') {
      i++;
      continue;
    }
    if (a.startsWith('--node=') || a.startsWith('--device=')) continue;
    out.push(a);
  }
  return out;
}
