import {parseTon} from '../chain/units.js';
import {CocoonError} from '../errors.js';
import {startGateway, type Gateway, type GatewayOptions} from '../gateway/server.js';
import type {FundingEvent} from '../consumer/funding.js';
import {auditPolicy} from './ask.js';
import {closeSharedP2pDialer} from '../consumer/p2p-transport.js';
import type {AppContext} from './context.js';

/** How `cocoon gateway` runs, beyond what the context gives. */
export interface GatewayRequestOptions extends Pick<GatewayOptions, 'host' | 'port' | 'apiKey' | 'defaultMaxTokens' | 'onRequest' | 'signal'> {
  /** Top up a channel too low for a request; otherwise answer 402. Default: false. */
  autoTopUp?: boolean;
  /** GRAM per channel opened or top-up. Default: setting channel.deposit. */
  deposit?: string;
  /** Told after the gateway moved money on chain. */
  onFunding?: (event: FundingEvent) => void;
  /** Also use nodes independent auditors flagged. Default: false. */
  includeFlagged?: boolean;
  /** Also use unaudited nodes when the audit.requireAudited setting is on. Default: false. */
  allowUnaudited?: boolean;
}

/** The OpenAI-compatible gateway over the context's chain, channels and wallet. */
export async function startAppGateway(app: AppContext, options: GatewayRequestOptions): Promise<Gateway> {
  const funding = await app.funding({
    mode: options.autoTopUp ? 'always' : 'never',
    deposit: parseTon(options.deposit ?? app.settings.get('channel.deposit')),
    refusalHint: () => 'Ask for fewer max_tokens, or have the gateway operator top the channel up (`cocoon channel topup`) or start the gateway with --auto-topup.',
    onEvent: options.onFunding,
  });
  const policy = auditPolicy(app);
  const {includeFlagged, allowUnaudited, ...rest} = options;
  const audit = {includeFlagged: Boolean(includeFlagged), requireAudited: policy.requireAudited && !allowUnaudited, quorum: policy.quorum};
  const gateway = await startGateway({...(await app.chainAccess()), store: app.channels, funding, audit, ...rest});
  // libp2p providers' warm connections live as long as the gateway (consumer/p2p-transport.ts).
  return {...gateway, close: () => gateway.close().finally(closeSharedP2pDialer)};
}

/**
 * The gateway's passwords: from the environment only, since a server must not
 * stop to prompt in the middle of a request.
 */
export async function gatewaySecret(): Promise<string> {
  const password = process.env.COCOON_WALLET_PASSWORD;
  if (!password) {
    throw new CocoonError('PAYMENT_REQUIRED', 'A payment channel must be opened or topped up, and the gateway has no wallet password.', {
      hint: 'Start the gateway with COCOON_WALLET_PASSWORD set, or fund channels first with `cocoon channel open` / `cocoon channel topup`.',
    });
  }
  return password;
}
