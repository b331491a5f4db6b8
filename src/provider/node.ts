import type {Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import type {ProviderRecord} from '../chain/contracts/registry-codec.js';
import type {NodeKey} from '../crypto/node-key.js';
import type {InferenceEngine} from '../inference/types.js';
import {ChainChannelGuard} from './chain-guard.js';
import {servedKind} from '../chain/contracts/registry-extension.js';
import {FileChannelLedger} from './file-ledger.js';
import type {RateLimitOptions} from './admission.js';
import {rentStatus, type RentState} from '../chain/contracts/registry-rent.js';
import {getRegistration} from './registration.js';
import {createProviderServer, type ProviderServer} from './server.js';
import {Settler, type ClaimReport} from './settlement.js';

/** Something the node reports while it runs (the CLI turns these into log lines). */
export type NodeEvent =
  | {type: 'settled'; reports: ClaimReport[]}
  | {type: 'settle-error'; error: Error}
  | {type: 'warning'; message: string}
  /**
   * The registration changed on chain: new prices applied (`prices`), queries
   * refused because the model or node key no longer match (`suspended`), served
   * again once they match (`resumed`), or the record left/unbonding (`status`).
   */
  | {type: 'registration'; change: 'prices' | 'suspended' | 'resumed' | 'status'; message: string; record: ProviderRecord | null}
  /**
   * The record's prepaid rent: it became due (30 days left), ran out, or may be
   * evicted (`state`, told once per change), or the node renewed it (`renewed`).
   */
  | {type: 'rent'; state: RentState | 'renewed'; message: string};

/** Options of startProviderNode. */
export interface ProviderNodeOptions {
  client: ChainClient;
  registry: Address;
  /** The provider's wallet address (owner of the registry record; receives payouts). */
  wallet: Address;
  nodeKey: NodeKey;
  /** The model file to serve: its SHA-256 must match the registration. */
  modelPath: string;
  /** Builds the engine once the registration checks pass (createEngine, or a test double). */
  createEngine: (options: {modelPath: string; name: string; kind: 'chat' | 'embeddings'}) => Promise<InferenceEngine>;
  /** SHA-256 of a file, hex (the inference module's cached modelSha256). */
  hashModel: (path: string) => Promise<string>;
  /** Channel ledger directory. */
  ledgerDir: string;
  /** Listen address. Default: 127.0.0.1. */
  host?: string;
  /** Port. Default: 0 (any); null binds no HTTP port (the node is reached through libp2p: app/provide.ts). */
  port?: number | null;
  /** Claim when a channel's unclaimed vouchers reach this, nanoGRAM. */
  claimThreshold: bigint;
  /** Settlement pass interval, ms; the registration is re-read on the same timer. Default: 30 s. */
  settleIntervalMs?: number;
  /** Shortest channel close delay accepted, seconds. Default: 600. */
  minCloseDelay?: number;
  /** Refuse a channel once it has waived this many charges. Default: 3. */
  maxWaived?: number;
  /** How old a channel's cached terms may be and still serve while they are read again (ChainChannelGuard staleMs). Default: 60 s. */
  channelStaleMs?: number;
  /** Credit window per channel (docs/protocol.md §8). Default: 8 answers, 0.1 GRAM. */
  credit?: {queries?: number; nano?: bigint};
  /** Proof of work asked of every query, leading zero bits (0 … MAX_POW_DIFFICULTY of server.ts). Default: 0 (off). */
  powDifficulty?: number;
  /** Per-source request limit (each paid answer costs a source 2–3 requests). Default: the server's (30 burst, 10/s). */
  rateLimit?: RateLimitOptions;
  /** Proxies whose X-Forwarded-For names the client (createProviderServer's trustedProxies). Default: none. */
  trustedProxies?: readonly string[];
  /**
   * Prepays more rent when it is due (rent.ts renewRent from the owner's wallet);
   * without it the node only warns. Tried at most once an hour.
   */
  renewRent?: (record: ProviderRecord) => Promise<ProviderRecord>;
  /** Clock in unix seconds (tests). Default: the wall clock. */
  now?: () => number;
  onEvent?: (event: NodeEvent) => void;
}

/** A running provider node. */
export interface ProviderNode {
  readonly url: string;
  readonly server: ProviderServer;
  readonly settler: Settler;
  /** The registration as last read from the chain (followed on the settle timer). */
  readonly record: ProviderRecord;
  readonly engine: InferenceEngine;
  /** Re-read the registration now and follow it (prices; suspend on a model or key mismatch). The timer calls it each pass. */
  refresh(): Promise<void>;
  /** Stop serving (running answers finish), settle every channel, free the model. */
  close(): Promise<ClaimReport[]>;
}

const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);

function rentMessage(state: RentState, paidUntil: number, evictableAt: number, renewing: boolean): string {
  const how = renewing ? 'this node renews it from the wallet' : 'renew it with `cocoon provide renew`, or restart with --renew';
  if (state === 'due') return `the record's rent runs out on ${day(paidUntil)}: ${how}`;
  if (state === 'overdue') return `the record's rent ran out on ${day(paidUntil)}; anyone may evict it from ${day(evictableAt)}: ${how}`;
  return `the record's rent ran out on ${day(paidUntil)}: consumers skip it and anyone may evict it now: ${how}`;
}

function mismatch(what: string, hint: string): CocoonError {
  return new CocoonError('INVALID_INPUT', `${what} differs from this wallet's registration.`, {hint});
}

/**
 * Check the on-chain registration against what this machine would serve, then
 * serve it: the protocol server with on-chain channel checks and a durable
 * ledger, and a settler that claims on a timer and at shutdown.
 */
export async function startProviderNode(options: ProviderNodeOptions): Promise<ProviderNode> {
  // Records are keyed by node key (a wallet may own several): this node's is the one it serves.
  const record = await getRegistration(options.client, options.registry, options.nodeKey.ed25519PublicKey);
  if (!record) {
    // The wallet may have records of other nodes: then this key is the wrong one, not a missing registration.
    if (await getRegistration(options.client, options.registry, options.wallet)) {
      throw mismatch('The node key on this machine', 'Serve the node the registration names (`provide start --node NAME`), or register this one with `cocoon provide register --node NAME`.');
    }
    throw new CocoonError('NOT_FOUND', 'This node is not registered as a provider.', {hint: 'Register it first with `cocoon provide register` (--node NAME for a named node).'});
  }
  if (!record.owner.equals(options.wallet)) {
    throw new CocoonError('INVALID_INPUT', "This node's key is registered by another wallet.", {hint: 'Pass the wallet that registered it with --wallet.'});
  }
  if (record.status !== 'active') {
    throw new CocoonError('INVALID_INPUT', 'This registration is unbonding; consumers no longer choose it.', {hint: 'Register again after withdrawing, or with another wallet.'});
  }
  const sha = await options.hashModel(options.modelPath);
  if (sha !== record.modelHash.toString('hex')) {
    throw mismatch(`The model file's SHA-256 (${sha.slice(0, 12)}…, ${options.modelPath})`, 'Serve the registered file, or publish the new one with `cocoon provide update --model FILE`.');
  }
  if (!record.nodeKey.equals(Buffer.from(options.nodeKey.ed25519PublicKey)) || !record.encryptionKey.equals(Buffer.from(options.nodeKey.x25519PublicKey))) {
    throw mismatch('The node key on this machine', 'Publish this key with `cocoon provide update`, or restore the node key the registration names.');
  }
  const kind = servedKind(record.extension);
  if (kind === 'other') {
    throw new CocoonError('INVALID_INPUT', `This node's record has kind ${record.extension?.kind}, which this version of cocoon does not serve.`, {hint: 'Update cocoon, or re-register the node as a chat or embeddings node (--kind).'});
  }
  const engine = await options.createEngine({modelPath: options.modelPath, name: record.model, kind});
  const ledger = new FileChannelLedger(options.ledgerDir);
  let server: ProviderServer;
  try {
    server = await createProviderServer({
      engine,
      modelSha256: sha,
      nodeKey: options.nodeKey,
      prices: {prompt: record.promptPrice, completion: record.completionPrice},
      guard: new ChainChannelGuard({client: options.client, provider: options.wallet, minCloseDelay: options.minCloseDelay, staleMs: options.channelStaleMs}),
      ledger,
      host: options.host ?? '127.0.0.1',
      port: options.port === null ? null : (options.port ?? 0),
      rateLimit: options.rateLimit,
      trustedProxies: options.trustedProxies,
      maxWaived: options.maxWaived,
      credit: options.credit,
      powDifficulty: options.powDifficulty,
    });
  } catch (error) {
    await engine.dispose();
    throw error;
  }
  const settler = new Settler({client: options.client, ledger, threshold: options.claimThreshold});
  let current = record;
  let gone = false;
  const modelHash = record.modelHash;
  const emit = (change: 'prices' | 'suspended' | 'resumed' | 'status', message: string, next: ProviderRecord | null) =>
    options.onEvent?.({type: 'registration', change, message, record: next});
  // What the chain says is what the node serves: prices follow it, a model or key it no longer names stops queries.
  const refresh = async () => {
    const next = await getRegistration(options.client, options.registry, options.nodeKey.ed25519PublicKey);
    if (!next) {
      if (!gone) emit('status', 'The registration is gone from the registry; consumers no longer find this node (open channels are still served).', null);
      gone = true;
      return;
    }
    gone = false;
    const wrong: string[] = [];
    if (!next.modelHash.equals(modelHash)) wrong.push(`the model hash (now ${next.modelHash.toString('hex').slice(0, 12)}…, serving ${modelHash.toString('hex').slice(0, 12)}…)`);
    if (!next.nodeKey.equals(Buffer.from(options.nodeKey.ed25519PublicKey)) || !next.encryptionKey.equals(Buffer.from(options.nodeKey.x25519PublicKey))) wrong.push('the node key');
    if (wrong.length > 0) {
      const reason = `This node no longer matches its registration: ${wrong.join(' and ')} changed on chain. It takes no queries until restarted with what the registration names.`;
      if (server.suspended !== reason) {
        server.suspend(reason);
        emit('suspended', reason + ' Restart `cocoon provide start` with the registered model and node key.', next);
      }
    } else if (server.suspended !== undefined) {
      server.resume();
      emit('resumed', 'The registration matches this node again; taking queries.', next);
    }
    if (next.promptPrice !== current.promptPrice || next.completionPrice !== current.completionPrice) {
      server.setPrices({prompt: next.promptPrice, completion: next.completionPrice});
      emit('prices', `Prices now ${next.promptPrice}/${next.completionPrice} nanoGRAM per prompt/completion token, as registered.`, next);
    }
    if (next.status !== current.status && next.status === 'unbonding') emit('status', 'The registration is unbonding; consumers no longer choose this node (open channels are still served).', next);
    current = next;
  };
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  let rentTold: RentState = 'paid';
  let renewTried = -Infinity;
  // Rent: warn once per change of state; renew when allowed (once an hour at most, so a poor wallet is not hammered).
  const watchRent = async () => {
    const rent = current.status === 'active' && !gone ? rentStatus(current, now()) : undefined;
    if (!rent) return;
    if (rent.state !== rentTold) {
      rentTold = rent.state;
      if (rent.state !== 'paid') options.onEvent?.({type: 'rent', state: rent.state, message: rentMessage(rent.state, rent.paidUntil, rent.evictableAt, Boolean(options.renewRent))});
    }
    if (rent.state === 'paid' || !options.renewRent || now() - renewTried < 3600) return;
    renewTried = now();
    try {
      current = await options.renewRent(current);
      rentTold = 'paid';
      options.onEvent?.({type: 'rent', state: 'renewed', message: `rent renewed: the record is paid until ${day(current.paidUntil ?? 0)}`});
    } catch (error) {
      options.onEvent?.({type: 'warning', message: `could not renew the rent (next try in an hour): ${(error as Error).message}`});
    }
  };
  const tick = async () => {
    try {
      await refresh();
      await watchRent();
    } catch (error) {
      options.onEvent?.({type: 'warning', message: `could not re-read the registration: ${(error as Error).message}`});
    }
    try {
      const reports = await settler.settle();
      if (reports.some((r) => r.outcome === 'claimed' || r.outcome === 'failed')) options.onEvent?.({type: 'settled', reports});
    } catch (error) {
      options.onEvent?.({type: 'settle-error', error: error as Error});
    }
  };
  void watchRent().catch(() => undefined);
  const timer = setInterval(() => void tick(), options.settleIntervalMs ?? 30_000);
  timer.unref();
  let closing: Promise<ClaimReport[]> | undefined;
  return {
    url: server.url,
    server,
    settler,
    get record() {
      return current;
    },
    engine,
    refresh,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await server.close();
        try {
          return await settler.settle({force: true});
        } finally {
          await engine.dispose();
        }
      })();
      return closing;
    },
  };
}
