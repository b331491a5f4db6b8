import {Flags} from '@oclif/core';
import {BaseCommand} from '../../cli/base-command.js';
import {sharedFlags} from '../../cli/flags.js';
import {askPassword} from '../../cli/prompts.js';
import {LOG_LEVELS, createLogger, type LogLevel} from '../../cli/logger.js';
import {waitForStopSignal} from '../../cli/signals.js';
import {CocoonError} from '../../errors.js';

export default class ProvideStart extends BaseCommand<typeof ProvideStart> {
  static override description = 'Serve your registered model: checks the registration, answers encrypted queries, and claims payment by itself (Ctrl-C settles and stops)';
  static override examples = ['<%= config.bin %> provide start', 'COCOON_NODE_PASSWORD=… <%= config.bin %> provide start --threads 8 --parallel 4 --claim-threshold 0.5'];
  static override flags = {
    wallet: sharedFlags.wallet,
    model: Flags.string({char: 'm', description: 'Model file [default: the one registered from this machine]'}),
    port: Flags.integer({description: 'Port [default: as registered, 8740]', min: 0, max: 65_535}),
    host: Flags.string({description: 'Listen address [default: 127.0.0.1; use 0.0.0.0 behind a TLS proxy to serve the internet]'}),
    threads: Flags.integer({description: 'CPU threads [default: inference.threads, else physical cores]', min: 1}),
    parallel: Flags.integer({description: 'Answers generated at once [default: 2]', min: 1, max: 64}),
    gpu: Flags.string({description: 'GPU backend [default: inference.gpu, auto]', options: ['auto', 'cuda', 'vulkan', 'metal', 'off']}),
    'claim-threshold': Flags.string({description: 'Claim a channel once this many TON are unclaimed [default: 1]'}),
    'settle-interval': Flags.integer({description: 'Seconds between settlement passes [default: 30]', min: 1}),
    'rate-limit': Flags.integer({description: 'Requests per second one address may send, burst 3× that (a paid answer costs 2–3; raise it for gateways behind one IP) [default: 10]', min: 1}),
    'min-close-delay': Flags.integer({description: 'Refuse channels whose close delay is shorter, seconds (time to claim after a consumer starts closing) [default: 600]', min: 1}),
    'log-level': Flags.string({description: 'Log level', options: [...LOG_LEVELS], default: 'info'}),
  };

  async run(): Promise<{url: string; settled: Array<{channel: string; outcome: string; claimed: string}>}> {
    const settings = await this.settings({'inference.gpu': this.flags.gpu, 'inference.threads': this.flags.threads});
    const network = settings.get('network');
    const log = createLogger(this.flags['log-level'] as LogLevel);
    const {readProviderConfig, ledgerDir} = await import('../../provider/local-config.js');
    const local = readProviderConfig(network);
    const {WalletStore} = await import('../../wallet/store.js');
    const wallet = this.flags.wallet ?? local?.wallet ?? new WalletStore().resolveName(undefined, settings.get('wallet') || undefined);
    const modelPath = this.flags.model ?? local?.modelPath;
    if (!modelPath) throw new CocoonError('USAGE', 'No model to serve.', {hint: 'Register from this machine first, or pass --model FILE.'});
    const setup = await import('../../provider/setup.js');
    setup.requireNodeKey();
    const {loadNodeKey} = await import('../../crypto/node-key.js');
    const nodeKey = await loadNodeKey({password: await askPassword({message: 'Password for the provider node key:', envVar: 'COCOON_NODE_PASSWORD'})});
    const chain = await setup.openChain(settings);
    const walletAddress = await setup.walletAddress(settings, wallet);
    const {parseTon, formatTon} = await import('../../chain/units.js');
    const {createEngine} = await import('../../inference/engine.js');
    const {modelSha256} = await import('../../inference/hash.js');
    const {startProviderNode} = await import('../../provider/node.js');
    const gpu = settings.get('inference.gpu');
    const threads = settings.get('inference.threads') || undefined;
    const {formatAddress} = await import('../../chain/wallet-contract.js');
    log.info(`checking the registration of ${formatAddress(walletAddress, network)} on ${network}`);
    const node = await startProviderNode({
      ...chain,
      wallet: walletAddress,
      nodeKey,
      modelPath,
      createEngine: (o) => createEngine({...o, gpu: gpu === 'off' ? false : gpu, threads, parallel: this.flags.parallel ?? 2}),
      hashModel: (p) => modelSha256(p),
      ledgerDir: ledgerDir(network),
      host: this.flags.host ?? local?.host,
      port: this.flags.port ?? local?.port ?? 8740,
      claimThreshold: parseTon(this.flags['claim-threshold'] ?? '1'),
      settleIntervalMs: (this.flags['settle-interval'] ?? 30) * 1000,
      minCloseDelay: this.flags['min-close-delay'],
      rateLimit: this.flags['rate-limit'] ? {refillPerSecond: this.flags['rate-limit'], capacity: 3 * this.flags['rate-limit']} : undefined,
      onEvent: (event) => {
        if (event.type === 'settled') {
          for (const r of event.reports.filter((x) => x.outcome === 'claimed')) log.info(`claimed ${formatTon(r.paidAfter - r.paidBefore)} TON from ${r.channel}`);
          for (const r of event.reports.filter((x) => x.outcome === 'failed')) log.warn(`claim from ${r.channel} failed: ${r.error}`);
        } else if (event.type === 'settle-error') log.warn(`settlement pass failed: ${event.error.message}`);
        else log.warn(event.message);
      },
    });
    log.info(`serving ${node.record.model} (${node.engine.backend}) at ${node.url}; registered endpoint ${node.record.endpoint}`);
    const signal = await waitForStopSignal();
    log.info(`${signal}: finishing answers in flight, then settling every channel (Ctrl-C again to quit at once)`);
    const reports = await node.close();
    for (const r of reports) log.info(`${r.channel}: ${r.outcome}${r.outcome === 'claimed' ? ` ${formatTon(r.paidAfter - r.paidBefore)} TON` : ''}`);
    log.info('stopped');
    return {url: node.url, settled: reports.map((r) => ({channel: r.channel, outcome: r.outcome, claimed: formatTon(r.paidAfter - r.paidBefore)}))};
  }
}
