import {Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base-command.js';
import {sharedFlags} from '../cli/flags.js';
import {LOG_LEVELS, createLogger, type LogLevel} from '../cli/logger.js';
import {waitForStopSignal} from '../cli/signals.js';
import {CocoonError} from '../errors.js';

export default class Gateway extends BaseCommand<typeof Gateway> {
  static override description =
    'Serve an OpenAI-compatible API on this machine (/v1/models, /v1/chat/completions, /v1/completions) backed by the network: each request is an encrypted query paid from your channels (Ctrl-C stops). ' +
    'With COCOON_GATEWAY_API_KEY set, requests need `Authorization: Bearer <key>`; see docs/gateway.md';
  static override examples = [
    '<%= config.bin %> gateway',
    'COCOON_WALLET_PASSWORD=… <%= config.bin %> gateway --port 8080 --auto-topup',
    'COCOON_GATEWAY_API_KEY=… <%= config.bin %> gateway --host 0.0.0.0',
  ];
  static override flags = {
    port: Flags.integer({description: 'Port', default: 8741, min: 0, max: 65_535}),
    host: Flags.string({description: 'Listen address; anything but loopback needs COCOON_GATEWAY_API_KEY', default: '127.0.0.1'}),
    'require-key': Flags.boolean({description: 'Refuse to start unless COCOON_GATEWAY_API_KEY is set (even on loopback)'}),
    'auto-topup': Flags.boolean({description: 'Top up a channel that is too low for a request (otherwise the request gets 402)'}),
    deposit: Flags.string({description: 'GRAM per channel opened or top-up [default: setting channel.deposit]'}),
    'include-flagged': Flags.boolean({description: 'Also route to provider nodes that independent auditors flagged (skipped by default)'}),
    'allow-unaudited': Flags.boolean({description: 'Also route to unaudited nodes when the audit.requireAudited setting is on'}),
    'max-tokens': Flags.integer({description: 'max_tokens of chat requests that set none', default: 256, min: 1}),
    wallet: sharedFlags.wallet,
    'log-level': Flags.string({description: 'Log level', options: [...LOG_LEVELS], default: 'info'}),
  };

  async run(): Promise<{url: string; requests: number}> {
    const log = createLogger(this.flags['log-level'] as LogLevel);
    // Secrets never come from argv (visible in `ps`): the key is read from the environment only.
    const apiKey = process.env.COCOON_GATEWAY_API_KEY || undefined;
    if (this.flags['require-key'] && !apiKey) throw new CocoonError('USAGE', '--require-key is set and COCOON_GATEWAY_API_KEY is not.', {hint: 'Export COCOON_GATEWAY_API_KEY (never pass a key as a flag).'});
    const {startAppGateway, gatewaySecret} = await import('../app/gateway.js');
    const {requestLine, fundingLine} = await import('../cli/gateway-log.js');
    const app = await this.app({wallet: this.flags.wallet, secrets: gatewaySecret});
    let requests = 0;
    const gateway = await startAppGateway(app, {
      host: this.flags.host,
      port: this.flags.port,
      apiKey,
      defaultMaxTokens: this.flags['max-tokens'],
      autoTopUp: this.flags['auto-topup'],
      deposit: this.flags.deposit,
      includeFlagged: this.flags['include-flagged'],
      allowUnaudited: this.flags['allow-unaudited'],
      onRequest: (e) => {
        requests++;
        if (e.status >= 500) log.warn(requestLine(e, app.network));
        else log.info(requestLine(e, app.network));
      },
      onFunding: (e) => log.info(fundingLine(e, app.network)),
    });
    log.info(`gateway listening on ${gateway.url} (OpenAI base URL ${gateway.url}/v1) on ${app.network}${apiKey ? '; API key required' : ''}`);
    const signal = await waitForStopSignal();
    log.info(`${signal}: finishing requests in flight, then stopping (Ctrl-C again to quit at once)`);
    await gateway.close();
    log.info('stopped');
    return {url: gateway.url, requests};
  }
}
