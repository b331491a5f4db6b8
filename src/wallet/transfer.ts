import {Address, SendMode, comment as commentCell, internal, loadTransaction, type Cell} from '@ton/core';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import {formatAddress, walletContract} from '../chain/wallet-contract.js';

/** Options for sendTon. */
export interface SendTonOptions {
  client: ChainClient;
  /** The sender's key pair (from an unlocked keystore). */
  keyPair: {publicKey: Buffer; secretKey: Buffer};
  to: Address;
  /** nanoTON. */
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
  /** Polling interval while waiting. Default: 500 ms (devnet answers at once). */
  pollMs?: number;
}

/** A landed transfer. */
export interface TransferResult {
  from: string;
  to: string;
  /** nanoTON sent. */
  amount: bigint;
  /** nanoTON the sender paid on top of `amount` (gas, storage and forwarding). */
  fee: bigint;
  bounce: boolean;
  /** The sender's transaction. */
  lt: string;
  hash: string;
}

/** Fees an external message would cost the wallet, as the endpoint estimates them. */
async function estimateFees(client: ChainClient, address: Address, body: Cell, init: {code: Cell; data: Cell} | null): Promise<bigint> {
  const fees = await client.call((ton) =>
    ton.estimateExternalMessageFee(address, {body, initCode: init?.code ?? null, initData: init?.data ?? null, ignoreSignature: true}),
  );
  const f = fees.source_fees;
  return BigInt(f.in_fwd_fee + f.storage_fee + f.gas_fee + f.fwd_fee);
}

/**
 * Send TON from a v5r1 wallet and wait until it lands. Refuses before sending
 * anything when the balance cannot cover the amount plus fees.
 */
export async function sendTon(options: SendTonOptions): Promise<TransferResult> {
  const {client} = options;
  const network = client.network;
  if (options.amount <= 0n) throw new CocoonError('INVALID_INPUT', 'The amount must be positive.');
  const wallet = client.ton.open(await walletContract(options.keyPair.publicKey, network));
  const [self, dest] = await Promise.all([client.state(wallet.address), client.state(options.to)]);
  const bounce = options.bounce ?? dest.state === 'active';
  const seqno = self.state === 'active' ? await client.call(() => wallet.getSeqno()) : 0;
  const transfer = wallet.createTransfer({
    seqno,
    secretKey: options.keyPair.secretKey,
    sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
    messages: [internal({to: options.to, value: options.amount, bounce, body: options.comment ? commentCell(options.comment) : undefined})],
  });
  const init = self.state === 'active' ? null : wallet.init;
  const fee = await estimateFees(client, wallet.address, transfer, init);
  if (self.balance < options.amount + fee) {
    const ton = (n: bigint) => `${Number(n) / 1e9} TON`;
    throw new CocoonError('INSUFFICIENT_FUNDS', `The wallet holds ${ton(self.balance)}; sending ${ton(options.amount)} needs about ${ton(options.amount + fee)} with fees.`, {
      hint:
        network === 'devnet'
          ? `Fund it with \`cocoon devnet fund ${formatAddress(wallet.address, network)} 10\`, or send less.`
          : 'Top the wallet up, or send less.',
      details: {balance: self.balance.toString(), amount: options.amount.toString(), estimatedFee: fee.toString()},
    });
  }
  await client.call(() => wallet.send(transfer));
  return waitForTransfer({client, wallet: wallet.address, seqno, transfer, options, bounce});
}

async function waitForTransfer(args: {
  client: ChainClient;
  wallet: Address;
  seqno: number;
  transfer: Cell;
  options: SendTonOptions;
  bounce: boolean;
}): Promise<TransferResult> {
  const {client, wallet, options} = args;
  const network = client.network;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const bodyHash = args.transfer.hash();
  for (;;) {
    const txs = await client.call((ton) => ton.getTransactions(wallet, {limit: 10}));
    for (const tx of txs) {
      const msg = tx.inMessage;
      if (msg?.info.type === 'external-in' && msg.body.hash().equals(bodyHash)) {
        const parsed = loadTransaction(tx.raw.beginParse());
        const forwarded = [...parsed.outMessages.values()].reduce((sum, m) => sum + (m.info.type === 'internal' ? m.info.forwardFee : 0n), 0n);
        return {
          from: formatAddress(wallet, network),
          to: formatAddress(options.to, network, {bounceable: args.bounce}),
          amount: options.amount,
          fee: parsed.totalFees.coins + forwarded,
          bounce: args.bounce,
          lt: tx.lt.toString(),
          hash: tx.hash().toString('base64'),
        };
      }
    }
    if (Date.now() > deadline) {
      throw new CocoonError('TIMEOUT', `The transfer (seqno ${args.seqno}) was sent but has not landed within the wait time.`, {
        hint: 'Check `cocoon wallet balance` later; do not resend blindly or it may be sent twice.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
