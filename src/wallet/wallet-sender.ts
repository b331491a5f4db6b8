import {Address, SendMode, beginCell, external, internal, storeMessage, type Cell, type Sender, type SenderArguments, type Transaction} from '@ton/core';
import type {OpenedContract} from '@ton/core';
import type {WalletContractV5R1} from '@ton/ton';
import {explainWalletRefusal} from './wallet-refusal.js';
import {CocoonError} from '../errors.js';
import type {ChainClient} from '../chain/client.js';
import {formatAddress, walletContract} from '../chain/wallet-contract.js';
import {formatTon} from '../chain/units.js';
import {Outbox, type OutboxEntry} from './outbox.js';

/** The outcome of one message sent from the wallet. */
export interface SentMessage {
  /** The wallet's transaction. */
  lt: string;
  hash: string;
  /** nanoGRAM the wallet paid beyond the value (gas, storage, forwarding). */
  fee: bigint;
  value: bigint;
  to: Address;
  bounce: boolean;
  /** True when an earlier run's identical message had landed (or was pushed again): nothing new was signed. */
  resumed?: boolean;
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
  /** Where messages in flight are recorded. Default: `<data>/outbox/<network>`. */
  outbox?: Outbox;
  /** The clock a message's valid_until is counted on, unix seconds (tests run the devnet's ahead). Default: this machine's. */
  now?: () => number;
}

/** Seconds a signed message stays valid (its valid_until): how long a lost one can still land. */
export const MESSAGE_TTL_S = 60;

/** Matches the wallet's transaction for the external message with this body hash. */
function byBody(bodyHash: string): (tx: Transaction) => boolean {
  return (tx) => tx.inMessage?.info.type === 'external-in' && tx.inMessage.body.hash().toString('hex') === bodyHash;
}

/** The error once a message has left and the chain cannot (yet) say what became of it. */
function outcomeUnknown(entry: OutboxEntry, network: string, cause: unknown): CocoonError {
  const reason = (cause as Error).message ?? String(cause);
  return new CocoonError('CHAIN_UNAVAILABLE', `The message left the wallet (seqno ${entry.seqno}, message hash ${entry.messageHash}), but whether it landed is unknown: ${reason.replace(/\.$/, '')}.`, {
    hint: `Do not send it again by other means. Run the same command again once the ${network} endpoint answers: it checks the wallet's seqno first and never pays twice (the message is valid until ${new Date(entry.validUntil * 1000).toISOString()}).`,
    details: {outcome: 'unknown', seqno: entry.seqno, messageHash: entry.messageHash, validUntil: entry.validUntil, wallet: entry.wallet},
    cause,
  });
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

  private readonly outbox: Outbox;

  private constructor(
    private readonly wallet: OpenedContract<WalletContractV5R1>,
    private readonly options: WalletSenderOptions,
  ) {
    this.outbox = options.outbox ?? new Outbox(options.client.network);
  }

  /** A sender for the key pair's wallet on the client's network. */
  static async create(options: WalletSenderOptions): Promise<WalletSender> {
    const contract = await walletContract(options.keyPair.publicKey, options.client.network);
    return new WalletSender(options.client.ton.open(contract), options);
  }

  /** The wallet's address. */
  get address(): Address {
    return this.wallet.address;
  }

  /** The message an earlier send left in flight (outcome unknown), if any. */
  inFlight(): OutboxEntry | undefined {
    return this.outbox.get(this.wallet.address.toRawString());
  }

  async send(args: SenderArguments): Promise<void> {
    const bounce = args.bounce ?? true;
    const intent = {to: args.to.toRawString(), value: args.value.toString(), bounce, payloadHash: args.body ? args.body.hash().toString('hex') : ''};
    // A message an earlier run left in flight is settled first, from what the chain shows.
    const earlier = await this.settleOutbox(intent);
    if (earlier) return this.finish(earlier, args, bounce, true);
    const {client} = this.options;
    const self = await client.state(this.wallet.address);
    if (self.balance < args.value) throw this.insufficient(self.balance, args.value);
    const seqno = self.state === 'active' ? await client.call(() => this.wallet.getSeqno()) : 0;
    const validUntil = Math.floor(this.now()) + MESSAGE_TTL_S;
    const transfer = this.wallet.createTransfer({
      seqno,
      secretKey: this.options.keyPair.secretKey,
      sendMode: args.sendMode ?? SendMode.PAY_GAS_SEPARATELY,
      timeout: validUntil,
      messages: [internal({to: args.to, value: args.value, bounce, init: args.init ?? undefined, body: args.body ?? undefined})],
    });
    const init = self.state === 'active' ? null : this.wallet.init;
    const fee = await this.estimate(transfer, init).catch((error: unknown) => {
      throw explainWalletRefusal(error, {network: client.network, validUntil});
    });
    if (self.balance < args.value + fee) throw this.insufficient(self.balance, args.value + fee);
    const message = beginCell()
      .store(storeMessage(external({to: this.wallet.address, init: init ?? undefined, body: transfer})))
      .endCell();
    const entry: OutboxEntry = {
      version: 1,
      wallet: this.wallet.address.toRawString(),
      seqno,
      validUntil,
      boc: message.toBoc().toString('base64'),
      messageHash: message.hash().toString('hex'),
      bodyHash: transfer.hash().toString('hex'),
      ...intent,
      createdAt: new Date().toISOString(),
    };
    // Recorded before it leaves: a run that dies from here on is settled by the next one.
    this.outbox.put(entry);
    const own = await this.deliver(entry, false);
    return this.finish(own, args, bounce, false);
  }

  /** What became of the message an earlier run left in flight; its transaction when it is this same message and landed. */
  private async settleOutbox(intent: {to: string; value: string; bounce: boolean; payloadHash: string}): Promise<Transaction | undefined> {
    const wallet = this.wallet.address.toRawString();
    const entry = this.outbox.get(wallet);
    if (!entry) return undefined;
    const same = entry.to === intent.to && entry.value === intent.value && entry.bounce === intent.bounce && entry.payloadHash === intent.payloadHash;
    const {client} = this.options;
    const self = await client.state(this.wallet.address);
    const seqno = self.state === 'active' ? await client.call(() => this.wallet.getSeqno()) : 0;
    let own: Transaction | undefined;
    if (seqno > entry.seqno) {
      // Its seqno is used: it landed, or another message took the seqno and it never will.
      own = (await client.call((ton) => ton.getTransactions(this.wallet.address, {limit: 50}))).find(byBody(entry.bodyHash));
    } else if (seqno === entry.seqno && same && this.now() < entry.validUntil - 2) {
      // Not processed and still valid: push the very same message (it can land once at most).
      return this.deliver(entry, true);
    }
    // Landed, or void for good (a seqno taken by another message, expired, or a reset chain).
    this.outbox.clear(wallet);
    return own && same ? own : undefined;
  }

  /**
   * Push a recorded message and wait for the wallet's transaction. Once it may
   * have left, any failure is "outcome unknown" (the record stays for the next
   * run); a refusal before it left clears the record.
   */
  private async deliver(entry: OutboxEntry, again: boolean): Promise<Transaction> {
    const {client} = this.options;
    const wallet = this.wallet.address;
    const push = () => client.call((ton) => ton.sendFile(Buffer.from(entry.boc, 'base64')));
    try {
      await push();
    } catch (error) {
      const unknown = (error as CocoonError).details?.outcome === 'unknown';
      // Sent again, a refusal may mean the first copy landed meanwhile: the chain decides below.
      if (!unknown && !again) {
        this.outbox.clear(wallet.toRawString());
        throw explainWalletRefusal(error, {network: client.network, validUntil: entry.validUntil});
      }
      if (unknown) {
        // The answer was lost; the message may not have arrived at all. Pushing the very
        // same message once more is safe (its seqno lets it land once at most) and saves
        // waiting out its validity when the first copy never arrived.
        await sleep(this.options.pollMs ?? 500);
        await push().catch(() => undefined);
      }
    }
    try {
      const own = await this.waitFor(wallet, byBody(entry.bodyHash), entry.validUntil);
      this.outbox.clear(wallet.toRawString());
      return own;
    } catch (error) {
      if (this.now() > entry.validUntil + 5 && (error as CocoonError).code === 'TIMEOUT') {
        // Past its validity and not on chain: it never landed and never will.
        this.outbox.clear(wallet.toRawString());
        throw new CocoonError('CHAIN_ERROR', 'The chain did not take the message before it expired; nothing was spent.', {hint: 'Send it again.', cause: error});
      }
      throw outcomeUnknown(entry, this.options.client.network, error);
    }
  }

  private insufficient(balance: bigint, needed: bigint): CocoonError {
    const network = this.options.client.network;
    return new CocoonError('INSUFFICIENT_FUNDS', `The wallet holds ${formatTon(balance)} GRAM; this needs about ${formatTon(needed)} GRAM with fees. Nothing was sent.`, {
      hint: network === 'devnet' ? `Fund it with \`cocoon devnet fund ${formatAddress(this.wallet.address, network)} 10\`.` : 'Top the wallet up first.',
      details: {balance: balance.toString(), needed: needed.toString()},
    });
  }

  /** The wallet's transaction landed: its fee, and (tracing) the destination's outcome. */
  private async finish(own: Transaction, args: SenderArguments, bounce: boolean, resumed: boolean): Promise<void> {
    const out = [...own.outMessages.values()][0];
    const forwarded = out?.info.type === 'internal' ? out.info.forwardFee : 0n;
    const sent: SentMessage = {lt: own.lt.toString(), hash: own.hash().toString('base64'), fee: own.totalFees.coins + forwarded, value: args.value, to: args.to, bounce, resumed};
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

  /** Unix seconds on the clock valid_until is counted on. */
  private now(): number {
    return this.options.now?.() ?? Date.now() / 1000;
  }

  private async waitFor(address: Address, match: (tx: Transaction) => boolean, validUntil?: number): Promise<Transaction> {
    const timeout = Date.now() + (this.options.timeoutMs ?? 60_000);
    // A message's own transaction cannot appear after its validity: waiting longer is pointless.
    const deadline = validUntil === undefined ? timeout : Math.min(timeout, Date.now() + (validUntil + 5 - this.now()) * 1000);
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
