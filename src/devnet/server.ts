import type http from 'node:http';
import {Address} from '@ton/core';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import {readBody, sendJson} from '../http/body.js';
import {startHttpServer, type HttpServer} from '../http/server.js';
import {DevnetChain} from './chain.js';
import {MannersGate, NO_MANNERS, type NetworkManners} from './manners.js';
import {handleRpc} from './rpc.js';

/** Options for DevnetServer.start. */
export interface DevnetServerOptions {
  /** State directory. */
  dir: string;
  /** Listen address. Default: 127.0.0.1 (the faucet has no authentication). */
  host?: string;
  /** Port; 0 picks a free one. Default: 18545. */
  port?: number;
  /** Largest request body accepted. Default: 2 MiB. */
  maxBodyBytes?: number;
  /** Latency and rate limit on JSON-RPC (the real network's manners). Default: none. */
  manners?: NetworkManners;
  /** The chain's clock, unix seconds (tests advance it by months). Default: the wall clock. */
  now?: () => number;
}

/** GET /devnet/info. */
export interface DevnetInfo {
  network: 'devnet';
  globalId: number;
  pid: number;
  rpc: string;
  faucet: string;
  contracts: Record<string, string>;
  createdAt: number;
  seqno: number;
  now: number;
  /** ms added to every JSON-RPC answer (0: none). */
  latencyMs: number;
  /** JSON-RPC requests per second before a 429 (0: unlimited). */
  rateLimit: number;
}

const FundSchema = z.object({address: z.string(), amount: z.string().regex(/^\d+$/, 'nanoGRAM as a decimal string')});

const send = (res: http.ServerResponse, status: number, body: unknown) => sendJson(res, status, body);

/**
 * The devnet's HTTP face: toncenter v2 JSON-RPC at /jsonRPC (so @ton/ton's
 * TonClient works unchanged), plus /healthz, /devnet/info and the faucet.
 */
export class DevnetServer {
  private server!: HttpServer;
  private readonly gate: MannersGate;

  private constructor(
    readonly chain: DevnetChain,
    manners: NetworkManners,
  ) {
    this.gate = new MannersGate(manners);
  }

  /** The latency and rate limit this devnet applies. */
  get manners(): NetworkManners {
    return this.gate.manners;
  }

  /** Open (or create) the chain and listen. */
  static async start(options: DevnetServerOptions): Promise<DevnetServer> {
    const chain = await DevnetChain.open({dir: options.dir, ...(options.now ? {now: options.now} : {})});
    const limit = options.maxBodyBytes ?? 2 * 1024 * 1024;
    const devnet = new DevnetServer(chain, options.manners ?? NO_MANNERS);
    const host = options.host ?? '127.0.0.1';
    try {
      devnet.server = await startHttpServer({
        host,
        port: options.port ?? 18_545,
        // Requests in flight (a sendBoc being applied) finish before the chain closes.
        closeGraceMs: 5_000,
        handle: (req, res) => devnet.route(req, res, limit),
        onError: (error, _req, res) => {
          if (!res.headersSent) sendJson(res, 500, {ok: false, error: (error as Error).message});
        },
        listenError: (error) =>
          error.code === 'EADDRINUSE'
            ? new CocoonError('CHAIN_UNAVAILABLE', `Port ${options.port} on ${host} is already in use.`, {
                hint: 'Another devnet may be running (`cocoon devnet status`), or choose another port with --port.',
              })
            : error,
      });
    } catch (error) {
      await chain.close();
      throw error;
    }
    return devnet;
  }

  /** Base URL, e.g. http://127.0.0.1:18545. */
  get url(): string {
    return this.server.url;
  }

  /** Info for GET /devnet/info. */
  info(): DevnetInfo {
    const head = this.chain.head();
    return {
      network: 'devnet',
      globalId: this.chain.genesis.globalId,
      pid: process.pid,
      rpc: `${this.url}/jsonRPC`,
      faucet: this.chain.genesis.faucet,
      contracts: this.chain.genesis.contracts,
      createdAt: this.chain.genesis.createdAt,
      seqno: head.seqno,
      now: head.now,
      latencyMs: this.manners.latencyMs,
      rateLimit: this.manners.rateLimit,
    };
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://devnet');
    if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, {ok: true});
    if (req.method === 'GET' && url.pathname === '/devnet/info') return send(res, 200, this.info());
    if (req.method !== 'POST') return send(res, 404, {ok: false, error: `No route ${req.method} ${url.pathname}`});
    const rpc = url.pathname === '/jsonRPC' || url.pathname === '/api/v2/jsonRPC';
    // Only JSON-RPC has manners: the faucet and info routes are the devnet's own tools.
    if (rpc && !(await this.gate.admit(res))) return;
    const read = await readBody(req, {limit});
    if (!read.ok) return send(res, read.reason === 'too-large' ? 413 : 400, {ok: false, error: read.reason === 'too-large' ? `Request body over ${limit} bytes` : 'Request body cut off', code: 400});
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString('utf8'));
    } catch {
      return send(res, 400, {ok: false, error: 'Malformed JSON body', code: 400});
    }
    if (rpc) {
      const answer = await handleRpc(this.chain, body);
      await this.gate.delay();
      return sendJson(res, 200, answer, this.gate.headers());
    }
    if (url.pathname === '/devnet/fund') {
      const parsed = FundSchema.safeParse(body);
      if (!parsed.success) return send(res, 400, {ok: false, error: 'Expected {address, amount} with amount in nanoGRAM'});
      let address: Address;
      try {
        address = Address.parse(parsed.data.address);
      } catch {
        return send(res, 400, {ok: false, error: `Invalid address ${parsed.data.address}`});
      }
      const tx = await this.chain.fund(address, BigInt(parsed.data.amount));
      const account = await this.chain.account(address);
      return send(res, 200, {ok: true, result: {...tx, balance: account.balance.toString()}});
    }
    return send(res, 404, {ok: false, error: `No route POST ${url.pathname}`});
  }

  /** Stop listening and finish in-flight work (state is already on disk). */
  async close(): Promise<void> {
    await this.server.close();
    await this.chain.close();
  }
}
