import {Address, Cell, loadTransaction, type Message} from '@ton/core';
import {z} from 'zod';
import {CocoonError} from '../errors.js';
import type {DevnetChain, IndexedTx} from './chain.js';
import {stackFromWire, stackToWire} from './stack.js';

const SHARD = '-9223372036854775808';
const ZERO_HASH = Buffer.alloc(32).toString('base64');

function blockId(seqno: number, workchain = -1) {
  return {'@type': 'ton.blockIdExt', workchain, shard: SHARD, seqno, root_hash: ZERO_HASH, file_hash: ZERO_HASH};
}

function parseAddress(raw: unknown): Address {
  try {
    return Address.parse(String(raw));
  } catch {
    throw new CocoonError('INVALID_INPUT', `Invalid address ${JSON.stringify(raw)}`);
  }
}

function messageToWire(msg: Message | undefined) {
  if (!msg) return undefined;
  const info = msg.info;
  const body = msg.body;
  return {
    source: info.type === 'external-in' ? '' : info.src.toString(),
    destination: info.type === 'external-out' ? '' : info.dest.toString(),
    value: info.type === 'internal' ? info.value.coins.toString() : '0',
    fwd_fee: info.type === 'internal' ? info.forwardFee.toString() : '0',
    ihr_fee: info.type === 'internal' ? info.ihrFee.toString() : '0',
    created_lt: info.type === 'external-in' ? '0' : info.createdLt.toString(),
    body_hash: body.hash().toString('base64'),
    msg_data: {'@type': 'msg.dataRaw', body: body.toBoc().toString('base64')},
  };
}

function txToWire(tx: IndexedTx) {
  const parsed = loadTransaction(tx.cell.beginParse());
  const description = parsed.description;
  const storageFee = description.type === 'generic' ? (description.storagePhase?.storageFeesCollected ?? 0n) : 0n;
  return {
    '@type': 'raw.transaction',
    address: {'@type': 'accountAddress', account_address: Address.parseRaw(tx.account).toString()},
    data: tx.boc,
    utime: tx.utime,
    transaction_id: {'@type': 'internal.transactionId', lt: tx.lt, hash: tx.hash},
    fee: parsed.totalFees.coins.toString(),
    storage_fee: storageFee.toString(),
    other_fee: (parsed.totalFees.coins - storageFee).toString(),
    in_msg: messageToWire(parsed.inMessage ?? undefined),
    out_msgs: [...parsed.outMessages.values()].map((m) => messageToWire(m)),
  };
}

const params = {
  address: z.object({address: z.string()}),
  runGetMethod: z.object({address: z.string(), method: z.union([z.string(), z.number()]), stack: z.array(z.unknown()).default([])}),
  sendBoc: z.object({boc: z.string().min(1)}),
  getTransactions: z.object({
    address: z.string(),
    limit: z.coerce.number().int().min(1).max(1000).default(10),
    lt: z.union([z.string(), z.number()]).optional(),
    hash: z.string().optional(),
    to_lt: z.union([z.string(), z.number()]).optional(),
  }),
  estimateFee: z.object({
    address: z.string(),
    body: z.string(),
    init_code: z.string().optional().default(''),
    init_data: z.string().optional().default(''),
    ignore_chksig: z.boolean().optional().default(true),
  }),
};

type Handler = (chain: DevnetChain, raw: unknown) => Promise<unknown>;

/** The toncenter v2 JSON-RPC methods the devnet answers (the subset @ton/ton's TonClient uses). */
export const RPC_METHODS: Record<string, Handler> = {
  async getAddressInformation(chain, raw) {
    const {address} = params.address.parse(raw);
    const info = await chain.account(parseAddress(address));
    const head = chain.head();
    return {
      '@type': 'raw.fullAccountState',
      balance: info.balance.toString(),
      extra_currencies: [],
      code: info.code ? info.code.toBoc().toString('base64') : '',
      data: info.data ? info.data.toBoc().toString('base64') : '',
      last_transaction_id: {'@type': 'internal.transactionId', lt: info.lastTransaction?.lt ?? '0', hash: info.lastTransaction?.hash ?? ZERO_HASH},
      block_id: blockId(head.seqno),
      frozen_hash: '',
      sync_utime: head.now,
      state: info.state,
    };
  },
  async getAddressBalance(chain, raw) {
    const {address} = params.address.parse(raw);
    return (await chain.account(parseAddress(address))).balance.toString();
  },
  async getAddressState(chain, raw) {
    const {address} = params.address.parse(raw);
    return (await chain.account(parseAddress(address))).state;
  },
  async runGetMethod(chain, raw) {
    const p = params.runGetMethod.parse(raw);
    const result = await chain.runGetMethod(parseAddress(p.address), String(p.method), stackFromWire(p.stack));
    const head = chain.head();
    return {'@type': 'smc.runResult', gas_used: result.gasUsed, stack: stackToWire(result.stack), exit_code: result.exitCode, block_id: blockId(head.seqno)};
  },
  async sendBoc(chain, raw) {
    const {boc} = params.sendBoc.parse(raw);
    await chain.sendBoc(Buffer.from(boc, 'base64'));
    return {'@type': 'ok'};
  },
  async sendBocReturnHash(chain, raw) {
    const {boc} = params.sendBoc.parse(raw);
    const cell = Cell.fromBase64(boc);
    await chain.sendBoc(Buffer.from(boc, 'base64'));
    return {'@type': 'raw.extMessageInfo', hash: cell.hash().toString('base64')};
  },
  async getTransactions(chain, raw) {
    const p = params.getTransactions.parse(raw);
    // TonClient sends the hash as hex; toncenter accepts both.
    return chain
      .transactions(parseAddress(p.address), {limit: p.limit, lt: p.lt?.toString(), hash: p.hash, toLt: p.to_lt?.toString()})
      .map(txToWire);
  },
  async getMasterchainInfo(chain) {
    const head = chain.head();
    return {'@type': 'blocks.masterchainInfo', last: blockId(head.seqno), init: blockId(0), state_root_hash: ZERO_HASH};
  },
  async estimateFee(chain, raw) {
    const p = params.estimateFee.parse(raw);
    const init = p.init_code && p.init_data ? {code: Cell.fromBase64(p.init_code), data: Cell.fromBase64(p.init_data)} : null;
    const fees = await chain.estimateExternal(parseAddress(p.address), Cell.fromBase64(p.body), init, p.ignore_chksig);
    return {
      '@type': 'query.fees',
      source_fees: {
        '@type': 'fees',
        in_fwd_fee: Number(fees.inFwdFee),
        storage_fee: Number(fees.storageFee),
        gas_fee: Number(fees.gasFee),
        fwd_fee: Number(fees.fwdFee),
      },
      destination_fees: [],
    };
  },
};

/** A JSON-RPC answer in toncenter's envelope. */
export type RpcAnswer = {ok: true; result: unknown; jsonrpc: '2.0'; id: unknown} | {ok: false; error: string; code: number; jsonrpc: '2.0'; id: unknown};

/** Dispatch one JSON-RPC request body to the chain. */
export async function handleRpc(chain: DevnetChain, body: unknown): Promise<RpcAnswer> {
  const request = z.object({method: z.string(), params: z.unknown().optional(), id: z.unknown().optional()}).safeParse(body);
  if (!request.success) return {ok: false, error: 'Malformed JSON-RPC request', code: 400, jsonrpc: '2.0', id: null};
  const {method, params: p, id} = request.data;
  const handler = Object.hasOwn(RPC_METHODS, method) ? RPC_METHODS[method] : undefined;
  if (!handler) return {ok: false, error: `Method ${method} is not supported by the devnet`, code: 404, jsonrpc: '2.0', id};
  try {
    return {ok: true, result: await handler(chain, p ?? {}), jsonrpc: '2.0', id};
  } catch (error) {
    const code = error instanceof z.ZodError || (error as CocoonError).code === 'INVALID_INPUT' ? 400 : 500;
    const message = error instanceof z.ZodError ? `Invalid params: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` : (error as Error).message;
    return {ok: false, error: message, code, jsonrpc: '2.0', id};
  }
}
