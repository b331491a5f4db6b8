import {Address, SendMode, internal, type Cell, type Sender, type SenderArguments, type Transaction} from '@ton/core';
import type {OpenedContract} from '@ton/core';
import type {WalletContractV5R1} from '@ton/ton';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import {formatAddress, walletContract} from '../chain/wallet-contract.js';
import {formatTon} from '../chain/units.js';

/** The outcome of one message sent from the wallet. */
export interface SentMessage {
  /** The wallet's transaction. */
  lt: string;
  hash: string;
  /** nanoTON the wallet paid beyond the value (gas, storage, forwarding). */
  fee: bigint;
  value: bigint;
  to: Address;
  bounce: boolean;
  /** The destination's transaction, when traced. */
  destination?: {lt: string; hash: string; exitCode: number; success: boolean; transaction: Transaction};
}

/** Options of WalletSender.create. */
export interface WalletSenderOptions {
  client: ChainClient;
  keyPair: {publicKey: Buffer; secretKey: Buffer};
  /** Also wait for the destination's transaction and fail if it failed. Default: true. */
  trace?: boolean;
  /** Names for the destination contract's exit codes, for error messages. */
  explainExit?: (exitCode: number) => {message: string; hint?: string} | undefined;
  /** How long to wait for each transaction. Default: 60 s. */
  timeoutMs?: number;
  /** Polling interval. Default: 500 ms (the devnet answers at once). */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A @ton/core Sender backed by a v5r1 wallet: contract wrappers send through it
 * (`registry.sendRegister(sender, …)`). Each send checks the balance first,
 * waits until the wallet's transaction lands and, when tracing, until the
 * destination's transaction lands, turning a failed one into a CocoonError
 * that names the contract's exit code.
 */
export class WalletSender implements Sender {
  /** Result of the last send. */
  last?: SentMessage;

  private constructor(
    private readonly wallet: OpenedContract<WalletContractV5R1>,
    private readonly options: WalletSenderOptions,
  ) {}

  /** A sender for the key pair's wallet on the client's network. */
  static async create(options: WalletSenderOptions): Promise<WalletSender> {
    const contract = await walletContract(options.keyPair.publicKey, options.client.network);
    return new WalletSender(options.client.ton.open(contract), options);
  }

  /** The wallet's address. */
  get address(): Address {
    return this.wallet.address;
  }

  async send(args: SenderArguments): Promise<void> {
    const {client} = this.options;
    const self = await client.state(this.wallet.address);
    const seqno = self.state === 'active' ? await client.call(() => this.wallet.getSeqno()) : 0;
    const bounce = args.bounce ?? true;
    const transfer = this.wallet.createTransfer({
      seqno,
      secretKey: this.options.keyPair.secretKey,
      sendMode: args.sendMode ?? SendMode.PAY_GAS_SEPARATELY,
      messages: [internal({to: args.to, value: args.value, bounce, init: args.init ?? undefined, body: args.body ?? undefined})],
    });
    const fee = await this.estimate(transfer, self.state === 'active' ? null : this.wallet.init);
    if (self.balance < args.value + fee) {
      const network = client.network;
      throw new CocoonError('INSUFFICIENT_FUNDS', `The wallet holds ${formatTon(self.balance)} TON; this needs about ${formatTon(args.value + fee)} TON with fees.`, {
        hint: network === 'devnet' ? `Fund it with \`cocoon devnet fund ${formatAddress(this.wallet.address, network)} 10\`.` : 'Top the wallet up first.',
        details: {balance: self.balance.toString(), needed: (args.value + fee).toString()},
      });
    }
    await client.call(() => this.wallet.send(transfer));
    const own = await this.waitFor(this.wallet.address, (tx) => tx.inMessage?.info.type === 'external-in' && tx.inMessage.body.hash().equals(transfer.hash()));
    const out = [...own.outMessages.values()][0];
    const forwarded = out?.info.type === 'internal' ? out.info.forwardFee : 0n;
    const sent: SentMessage = {lt: own.lt.toString(), hash: own.hash().toString('base64'), fee: own.totalFees.coins + forwarded, value: args.value, to: args.to, bounce};
    if ((this.options.trace ?? true) && out?.info.type === 'internal') {
      const createdLt = out.info.createdLt;
      const dest = await this.waitFor(args.to, (tx) => tx.inMessage?.info.type === 'internal' && tx.inMessage.info.createdLt === createdLt && tx.inMessage.info.src.equals(this.wallet.address));
      const d = dest.description;
      const compute = d.type === 'generic' ? d.computePhase : undefined;
      const exitCode = compute?.type === 'vm' ? compute.exitCode : -1;
      const actionOk = d.type !== 'generic' || !d.actionPhase || d.actionPhase.success;
      const success = compute?.type === 'vm' ? compute.success && actionOk && !(d.type === 'generic' && d.aborted) : !(d.type === 'generic' && d.aborted);
      sent.destination = {lt: dest.lt.toString(), hash: dest.hash().toString('base64'), exitCode, success, transaction: dest};
      this.last = sent;
      if (!success) {
        const explained = this.options.explainExit?.(exitCode);
        throw new CocoonError('CHAIN_ERROR', `The contract refused the message: ${explained?.message ?? `exit code ${exitCode}`}.`, {
          hint: explained?.hint ?? (bounce ? 'The value bounced back to the wallet, less fees.' : undefined),
          details: {exitCode, transaction: sent.destination.hash},
        });
      }
    }
    this.last = sent;
  }

  private async estimate(body: Cell, init: {code: Cell; data: Cell} | null): Promise<bigint> {
    const fees = await this.options.client.call((ton) =>
      ton.estimateExternalMessageFee(this.wallet.address, {body, initCode: init?.code ?? null, initData: init?.data ?? null, ignoreSignature: true}),
    );
    const f = fees.source_fees;
    return BigInt(f.in_fwd_fee + f.storage_fee + f.gas_fee + f.fwd_fee);
  }

  private async waitFor(address: Address, match: (tx: Transaction) => boolean): Promise<Transaction> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 60_000);
    for (;;) {
      const txs = await this.options.client.call((ton) => ton.getTransactions(address, {limit: 20}));
      const found = txs.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new CocoonError('TIMEOUT', `The message was sent but its transaction on ${address.toString()} has not appeared in time.`, {
          hint: 'Check again later before resending, or it may be sent twice.',
        });
      }
      await sleep(this.options.pollMs ?? 500);
    }
  }
}
