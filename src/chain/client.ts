import type {Address} from '@ton/core';
import type {TonClient} from '@ton/ton';
import {CocoonError} from '../errors.js';
import {readDevnetRuntime, type NetworkName, type Settings} from '../config/settings.js';
import {chainTransport, type TransportOptions} from './transport.js';

/** Where a network's JSON-RPC lives. */
export interface ChainEndpoint {
  network: NetworkName;
  /** toncenter v2 JSON-RPC URL. */
  endpoint: string;
  apiKey?: string;
  /**
   * Requests per second this process makes to the endpoint. Default: toncenter's
   * free tier on testnet/mainnet (1 without an API key, 10 with one); on devnet
   * unlimited unless the devnet advertises a limit.
   */
  rps?: number;
}

/** toncenter's limits: about 1 request/s without an API key, 10 with one. */
export const TONCENTER_RPS = {withoutKey: 1, withKey: 10};

/** The endpoint for the network selected in `settings`. */
export function chainEndpoint(settings: Settings): ChainEndpoint {
  const network = settings.get('network');
  const rps = settings.get(`${network}.rps`);
  if (network === 'devnet') {
    const base = `http://${formatHost(settings.get('devnet.host'))}:${settings.get('devnet.port')}`;
    // A devnet started with --rate-limit says so in its record (and in every answer's headers).
    const advertised = readDevnetRuntime()?.url === base ? readDevnetRuntime()?.rateLimit : undefined;
    return {network, endpoint: `${base}/jsonRPC`, rps: rps || advertised || undefined};
  }
  const apiKey = settings.get(`${network}.apiKey`) || undefined;
  return {network, endpoint: settings.get(`${network}.endpoint`), apiKey, rps: rps || (apiKey ? TONCENTER_RPS.withKey : TONCENTER_RPS.withoutKey)};
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Where the devnet of this data directory actually runs, when that is not `tried` (for error messages). */
export function devnetElsewhere(tried: string): string | undefined {
  const running = readDevnetRuntime();
  if (!running || tried.startsWith(running.url)) return undefined;
  return running.url;
}

/** The message `wallet send` and every wallet operation give once a message has left and its fate is unknown. */
export const OUTCOME_UNKNOWN = 'outcome unknown';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Turn an error thrown by TonClient (axios underneath) into a CocoonError that says what to do. */
export function chainError(endpoint: ChainEndpoint, error: unknown): CocoonError {
  if (error instanceof CocoonError) return error;
  const err = error as {code?: string; message?: string; response?: {status?: number; data?: {error?: string}}};
  if ((error as {outcomeUnknown?: boolean}).outcomeUnknown) {
    return new CocoonError('CHAIN_UNAVAILABLE', `The message was sent to the ${endpoint.network} endpoint, but its answer was lost (${err.code ?? `HTTP ${err.response?.status}`}): ${OUTCOME_UNKNOWN}.`, {
      hint: 'Check the chain before sending it again, or it may be sent twice.',
      details: {outcome: 'unknown'},
      cause: error,
    });
  }
  if (err.code && UNREACHABLE.has(err.code)) {
    if (endpoint.network === 'devnet') {
      const tried = endpoint.endpoint.replace(/\/jsonRPC$/, '');
      const elsewhere = devnetElsewhere(tried);
      return new CocoonError('CHAIN_UNAVAILABLE', `No devnet is running at ${tried}${elsewhere ? `; this COCOON_HOME's devnet runs at ${elsewhere}` : ''}.`, {
        hint: elsewhere
          ? `Point at it with --port / COCOON_DEVNET_PORT=${new URL(elsewhere).port}, or unset devnet.port (\`cocoon config unset devnet.port\`) to follow the running devnet.`
          : 'Start one with `cocoon devnet start --detach` (or choose another network with --network).',
        cause: error,
      });
    }
    return new CocoonError('CHAIN_UNAVAILABLE', `Cannot reach the ${endpoint.network} endpoint ${endpoint.endpoint} (${err.code}).`, {
      hint: `Check your connection or set another endpoint with \`cocoon config set ${endpoint.network}.endpoint URL\`.`,
      cause: error,
    });
  }
  if (err.response?.status === 429) {
    const attempts = (error as {attempts?: number}).attempts;
    return new CocoonError('CHAIN_UNAVAILABLE', `The ${endpoint.network} endpoint is rate-limiting requests${attempts && attempts > 1 ? ` (still after ${attempts} tries)` : ''}.`, {
      hint: `Get an API key and set it with \`cocoon config set ${endpoint.network}.apiKey KEY\` (or COCOON_${endpoint.network.toUpperCase()}_API_KEY).`,
      cause: error,
    });
  }
  const detail = err.response?.data?.error ?? err.message ?? String(error);
  // TonClient wraps JSON-RPC errors as 'Received error: {json}'.
  const received = /^Received error: (.*)$/s.exec(detail);
  let message = detail;
  if (received) {
    try {
      message = (JSON.parse(received[1]!) as {error?: string}).error ?? detail;
    } catch {
      message = received[1]!;
    }
  }
  // An emulator's refusal carries pages of VM and blockchain logs: the first lines say what happened (the cause keeps the rest).
  message = message.split(/\n(?:VM logs|Blockchain logs):/)[0]!.trim();
  return new CocoonError('CHAIN_ERROR', `The ${endpoint.network} chain refused the request: ${message}`, {cause: error});
}

/**
 * One client for every network: @ton/ton's TonClient over a toncenter v2
 * endpoint (the devnet answers the same API), with errors that say what to do.
 */
export class ChainClient {
  private constructor(
    readonly endpoint: ChainEndpoint,
    /** The underlying TonClient, for contract wrappers (`ton.open(...)`, `ton.provider(...)`). */
    readonly ton: TonClient,
  ) {}

  /** A client for the network selected in `settings`. */
  static async fromSettings(settings: Settings): Promise<ChainClient> {
    return ChainClient.connect(chainEndpoint(settings));
  }

  /** A client for an explicit endpoint. */
  static async connect(endpoint: ChainEndpoint, options: Omit<TransportOptions, 'rps'> = {}): Promise<ChainClient> {
    const {TonClient} = await import('@ton/ton');
    // Every TonClient request goes through the pacing, retrying transport.
    const httpAdapter = chainTransport(endpoint.endpoint, {...options, rps: endpoint.rps}) as unknown as NonNullable<ConstructorParameters<typeof TonClient>[0]['httpAdapter']>;
    return new ChainClient(endpoint, new TonClient({endpoint: endpoint.endpoint, apiKey: endpoint.apiKey, timeout: 15_000, httpAdapter}));
  }

  /** The network's name. */
  get network(): NetworkName {
    return this.endpoint.network;
  }

  /**
   * Run a TonClient call, translating its errors. Its requests are already
   * paced and retried underneath (429, 5xx, timeouts, resets), except a
   * message's send, which is never repeated blindly.
   */
  async call<T>(work: (ton: TonClient) => Promise<T>): Promise<T> {
    try {
      return await work(this.ton);
    } catch (error) {
      throw chainError(this.endpoint, error);
    }
  }

  /** Balance in nanoGRAM. */
  balance(address: Address): Promise<bigint> {
    return this.call((ton) => ton.getBalance(address));
  }

  /** Account state ('active', 'uninitialized', 'frozen') and balance. */
  state(address: Address): Promise<{state: 'active' | 'uninitialized' | 'frozen'; balance: bigint}> {
    return this.call(async (ton) => {
      const s = await ton.getContractState(address);
      return {state: s.state, balance: s.balance};
    });
  }

  /** Fail early with CHAIN_UNAVAILABLE if the endpoint does not answer. */
  async ping(): Promise<{seqno: number}> {
    return this.call(async (ton) => ({seqno: (await ton.getMasterchainInfo()).latestSeqno}));
  }
}
