import {comment as commentCell, type Address} from '@ton/core';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import {formatAddress} from '../chain/wallet-contract.js';
import {WalletSender} from './wallet-sender.js';

/** Options for sendTon. */
export interface SendTonOptions {
  client: ChainClient;
  /** The sender's key pair (from an unlocked keystore). */
  keyPair: {publicKey: Buffer; secretKey: Buffer};
  to: Address;
  /** nanoGRAM. */
  amount: bigint;
  /** Text comment attached to the transfer. */
  comment?: string;
  /**
   * Bounce back if the destination cannot accept the funds. Default: true when
   * the destination is an active contract, false when it is not deployed yet (a
   * fresh wallet would otherwise bounce the money straight back).
   */
  bounce?: boolean;
  /** How long to wait for the transfer to land. Default: 60 s. */
  timeoutMs?: number;
}

/** A landed transfer. */
export interface TransferResult {
  from: string;
  to: string;
  /** nanoGRAM sent. */
  amount: bigint;
  /** nanoGRAM the sender paid on top of `amount` (gas, storage and forwarding). */
  fee: bigint;
  bounce: boolean;
  /** The sender's transaction. */
  lt: string;
  hash: string;
  /** True when an earlier attempt of this same transfer had landed (or was pushed again): it was not paid twice. */
  resumed: boolean;
}

/**
 * Send GRAM from a v5r1 wallet and wait until it lands. Refuses before sending
 * anything when the balance cannot cover the amount plus fees. A retry of a
 * transfer whose outcome was unknown checks the wallet's seqno first: if the
 * earlier message landed, it is reported (`resumed`) and nothing is paid twice.
 */
export async function sendTon(options: SendTonOptions): Promise<TransferResult> {
  const {client} = options;
  if (options.amount <= 0n) throw new CocoonError('INVALID_INPUT', 'The amount must be positive.');
  const bounce = options.bounce ?? (await client.state(options.to)).state === 'active';
  const sender = await WalletSender.create({client, keyPair: options.keyPair, trace: false, timeoutMs: options.timeoutMs});
  await sender.send({to: options.to, value: options.amount, bounce, body: options.comment ? commentCell(options.comment) : undefined});
  const sent = sender.last!;
  return {
    from: formatAddress(sender.address, client.network),
    to: formatAddress(options.to, client.network, {bounceable: bounce}),
    amount: options.amount,
    fee: sent.fee,
    bounce,
    lt: sent.lt,
    hash: sent.hash,
    resumed: Boolean(sent.resumed),
  };
}
