import type {Address} from '@ton/core';
import type {TonClient} from '@ton/ton';
import {CocoonError} from '../errors.js';
import type {NetworkName, Settings} from '../config/settings.js';

/** Where a network's JSON-RPC lives. */
export interface ChainEndpoint {
  network: NetworkName;
  /** toncenter v2 JSON-RPC URL. */
  endpoint: string;
  apiKey?: string;
}

/** The endpoint for the network selected in `settings`. */
export function chainEndpoint(settings: Settings): ChainEndpoint {
  const network = settings.get('network');
  if (network === 'devnet') {
    return {network, endpoint: `http://${settings.get('devnet.host')}:${settings.get('devnet.port')}/jsonRPC`};
  }
  const apiKey = settings.get(`${network}.apiKey`);
  return {network, endpoint: settings.get(`${network}.endpoint`), apiKey: apiKey || undefined};
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Turn an error thrown by TonClient (axios underneath) into a CocoonError that says what to do. */
export function chainError(endpoint: ChainEndpoint, error: unknown): CocoonError {
  if (error instanceof CocoonError) return error;
  const err = error as {code?: string; message?: string; response?: {status?: number; data?: {error?: string}}};
  if (err.code && UNREACHABLE.has(err.code)) {
    if (endpoint.network === 'devnet') {
      return new CocoonError('CHAIN_UNAVAILABLE', `No devnet is running at ${endpoint.endpoint.replace(/\/jsonRPC$/, '')}.`, {
        hint: 'Start one with `cocoon devnet start --detach` (or choose another network with --network).',
        cause: error,
      });
    }
    return new CocoonError('CHAIN_UNAVAILABLE', `Cannot reach the ${endpoint.network} endpoint ${endpoint.endpoint} (${err.code}).`, {
      hint: `Check your connection or set another endpoint with \`cocoon config set ${endpoint.network}.endpoint URL\`.`,
      cause: error,
    });
  }
  if (err.response?.status === 429) {
    return new CocoonError('CHAIN_UNAVAILABLE', `The ${endpoint.network} endpoint is rate-limiting requests.`, {
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
  static async connect(endpoint: ChainEndpoint): Promise<ChainClient> {
    const {TonClient} = await import('@ton/ton');
    return new ChainClient(endpoint, new TonClient({endpoint: endpoint.endpoint, apiKey: endpoint.apiKey, timeout: 15_000}));
  }

  /** The network's name. */
  get network(): NetworkName {
    return this.endpoint.network;
  }

  /** Run a TonClient call, translating its errors. */
  async call<T>(work: (ton: TonClient) => Promise<T>): Promise<T> {
    try {
      return await work(this.ton);
    } catch (error) {
      throw chainError(this.endpoint, error);
    }
  }

  /** Balance in nanoTON. */
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
