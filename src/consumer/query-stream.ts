import {CocoonError} from '../errors.js';
import type {FinishReason, Usage} from '../protocol/messages.js';
import type {SamplingUsed, SignedReceipt} from '../protocol/wire.js';

/**
 * What the consumer can believe about who could read the query
 * (docs/threat-model.md §5): 'provider-visible' = encrypted end to end to the
 * provider's process, readable there; 'attested' (not in protocol v1) = held
 * by a verified hardware enclave.
 */
export type TrustLevel = 'provider-visible' | 'attested';

/** What a complete, verified answer yields. */
export interface QueryResult {
  /** Who could read this query; show it to the user. Always 'provider-visible' in protocol v1. */
  trust: TrustLevel;
  /** Query id, hex. */
  queryId: string;
  /** The whole answer text ('' for an embedding). */
  text: string;
  /** An embedding answer's vectors, one per input in order (unit length, as the node sent them). */
  vectors?: Float32Array[];
  usage: Usage;
  finishReason: FinishReason;
  /** usage × receipt prices, nanoGRAM. */
  cost: bigint;
  /** New cumulative total owed on the channel, nanoGRAM. */
  total: bigint;
  /** The provider-signed receipt. */
  receipt: SignedReceipt;
  /** The completion's token ids from the final frame, checked against the receipt's hash: what an auditor re-scores. */
  tokenIds: number[];
  /** The sampler the provider says it ran (from the signed receipt), its seed included. */
  sampling: SamplingUsed;
  /** The voucher for `total` signed by the consumer. */
  voucher: {amount: bigint; signature: Uint8Array};
  /** Whether the provider acknowledged the voucher (false: autoPay off, or posting failed; see paymentError). */
  voucherPosted: boolean;
  /** Why posting the voucher failed, if it did. The voucher stays valid; post it again with postVoucher(). */
  paymentError?: Error;
}

/**
 * An answer being streamed: iterate it for text chunks, then await result().
 * result() alone drains the stream. Nothing is sent until one of them starts.
 * Breaking out of the iteration cancels the query: no voucher is signed, and a
 * charge the provider lists for text it had sent is declined later (a waiver,
 * which providers count). To stop early and pay for what arrived, pass
 * QueryOptions.stop instead.
 */
export class QueryStream implements AsyncIterable<string> {
  private outcome?: {ok: true; value: QueryResult} | {ok: false; error: unknown};

  constructor(
    private readonly source: AsyncGenerator<string, QueryResult>,
    private readonly cancel: () => void,
  ) {}

  private async next(): Promise<IteratorResult<string, QueryResult>> {
    if (this.outcome) {
      if (this.outcome.ok) return {done: true, value: this.outcome.value};
      throw this.outcome.error;
    }
    try {
      const r = await this.source.next();
      if (r.done) this.outcome = {ok: true, value: r.value};
      return r;
    } catch (error) {
      this.outcome = {ok: false, error};
      throw error;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let completed = false;
    try {
      for (let r = await this.next(); !r.done; r = await this.next()) yield r.value;
      completed = true;
    } finally {
      if (!completed && !this.outcome) {
        this.cancel();
        this.outcome = {ok: false, error: new CocoonError('ABORTED', 'The query was cancelled by its reader.')};
        // Run the source's finally blocks now: they free the stream's libsodium state.
        void this.source.return(undefined as never).catch(() => {});
      }
    }
  }

  /** The verified result (draining any text not yet read). Rejects with a CocoonError on any failure. */
  async result(): Promise<QueryResult> {
    for (;;) {
      const r = await this.next();
      if (r.done) return r.value;
    }
  }
}
