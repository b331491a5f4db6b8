import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {Address} from '@ton/core';
import {z} from 'zod';
import {CocoonError} from '../../errors.js';
import {DevnetChain} from './chain.js';
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
}

const FundSchema = z.object({address: z.string(), amount: z.string().regex(/^\d+$/, 'nanoTON as a decimal string')});

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new CocoonError('INVALID_INPUT', `Request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(text)});
  res.end(text);
}

/**
 * The devnet's HTTP face: toncenter v2 JSON-RPC at /jsonRPC (so @ton/ton's
 * TonClient works unchanged), plus /healthz, /devnet/info and the faucet.
 */
export class DevnetServer {
  private constructor(
    private readonly server: http.Server,
    readonly chain: DevnetChain,
  ) {}

  /** Open (or create) the chain and listen. */
  static async start(options: DevnetServerOptions): Promise<DevnetServer> {
    const chain = await DevnetChain.open({dir: options.dir});
    const limit = options.maxBodyBytes ?? 2 * 1024 * 1024;
    const server = http.createServer();
    const devnet = new DevnetServer(server, chain);
    server.on('request', (req, res) => {
      devnet.route(req, res, limit).catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, {ok: false, error: (error as Error).message});
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new CocoonError('CHAIN_UNAVAILABLE', `Port ${options.port} on ${options.host ?? '127.0.0.1'} is already in use.`, {
                hint: 'Another devnet may be running (`cocoon devnet status`), or choose another port with --port.',
              })
            : error,
        );
      });
      server.listen(options.port ?? 18_545, options.host ?? '127.0.0.1', () => resolve());
    });
    return devnet;
  }

  /** Base URL, e.g. http://127.0.0.1:18545. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
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
    };
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://devnet');
    if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, {ok: true});
    if (req.method === 'GET' && url.pathname === '/devnet/info') return send(res, 200, this.info());
    if (req.method !== 'POST') return send(res, 404, {ok: false, error: `No route ${req.method} ${url.pathname}`});
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, limit));
    } catch (error) {
      return send(res, 400, {ok: false, error: error instanceof CocoonError ? error.message : 'Malformed JSON body', code: 400});
    }
    if (url.pathname === '/jsonRPC' || url.pathname === '/api/v2/jsonRPC') {
      return send(res, 200, await handleRpc(this.chain, body));
    }
    if (url.pathname === '/devnet/fund') {
      const parsed = FundSchema.safeParse(body);
      if (!parsed.success) return send(res, 400, {ok: false, error: 'Expected {address, amount} with amount in nanoTON'});
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
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.chain.close();
  }
}
