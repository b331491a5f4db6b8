import {CocoonError, type CocoonErrorOptions, type ErrorCode} from '../errors.js';
import type {OutstandingReceipt, WireErrorCode} from './wire.js';

/**
 * Every wire error code with its HTTP status (when sent in the clear) and the
 * CocoonError code a client raises for it. docs/protocol.md §9 has the table.
 */
export const WIRE_ERRORS: Record<WireErrorCode, {status: number; cocoon: ErrorCode}> = {
  BAD_REQUEST: {status: 400, cocoon: 'PROTOCOL_ERROR'},
  NOT_FOUND: {status: 404, cocoon: 'PROTOCOL_ERROR'},
  TOO_LARGE: {status: 413, cocoon: 'INVALID_INPUT'},
  RATE_LIMITED: {status: 429, cocoon: 'BUSY'},
  POW_REQUIRED: {status: 403, cocoon: 'PROTOCOL_ERROR'},
  WRONG_KEY: {status: 421, cocoon: 'PROTOCOL_ERROR'},
  STALE: {status: 400, cocoon: 'PROTOCOL_ERROR'},
  REPLAY: {status: 409, cocoon: 'PROTOCOL_ERROR'},
  DECRYPT_FAILED: {status: 400, cocoon: 'PROTOCOL_ERROR'},
  UNKNOWN_MODEL: {status: 200, cocoon: 'INVALID_INPUT'},
  MAX_TOKENS: {status: 200, cocoon: 'INVALID_INPUT'},
  INVALID_QUERY: {status: 200, cocoon: 'INVALID_INPUT'},
  PRICE_TOO_LOW: {status: 200, cocoon: 'PAYMENT_REQUIRED'},
  UNKNOWN_CHANNEL: {status: 200, cocoon: 'PAYMENT_REQUIRED'},
  INSUFFICIENT_DEPOSIT: {status: 200, cocoon: 'PAYMENT_REQUIRED'},
  CREDIT_LIMIT: {status: 200, cocoon: 'BUSY'},
  TOO_MANY_WAIVERS: {status: 200, cocoon: 'PAYMENT_REQUIRED'},
  BUSY: {status: 200, cocoon: 'BUSY'},
  BAD_VOUCHER: {status: 400, cocoon: 'PAYMENT_REQUIRED'},
  ENGINE_ERROR: {status: 200, cocoon: 'MODEL_ERROR'},
  SHUTTING_DOWN: {status: 503, cocoon: 'PROVIDER_UNAVAILABLE'},
  INTERNAL: {status: 500, cocoon: 'PROVIDER_UNAVAILABLE'},
};

/** A charge the provider holds as unpaid (sent with CREDIT_LIMIT): its receipt and signature, hex. */
export type PendingReceipt = OutstandingReceipt;

/**
 * Where in a query a provider error happened: before any text reached the
 * client, while text was streaming, or after the whole text (a final frame or
 * receipt that does not check out).
 */
export type ProviderErrorPhase = 'before-text' | 'streaming' | 'after-text';

/** Options of a ProviderError beyond its code and message. */
export interface ProviderErrorOptions extends Omit<CocoonErrorOptions, 'details'> {
  /** The provider's wire error code, when it sent one. */
  wireCode?: WireErrorCode;
  /** Default: 'before-text'. */
  phase?: ProviderErrorPhase;
  /** How long the provider asked to wait, ms. */
  retryAfterMs?: number;
  /** The receipts the provider holds as unpaid (CREDIT_LIMIT), oldest first. */
  outstanding?: PendingReceipt[];
  /** True when the answer stopped before the provider's final frame. */
  incomplete?: boolean;
  /** HTTP status of the refusal, when it came in the clear. */
  status?: number;
  /** More machine-readable details (never secrets). */
  details?: Record<string, unknown>;
}

// Codes for which nothing was charged and another provider may answer: the
// consumer signs a voucher only for a receipt it verified, so none of these cost anything.
const FAILOVER: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['PROVIDER_UNAVAILABLE', 'BUSY', 'TIMEOUT', 'MODEL_ERROR', 'PROTOCOL_ERROR']);
// Refusals that pass in a moment on the same provider.
const TRANSIENT: ReadonlySet<WireErrorCode> = new Set<WireErrorCode>(['RATE_LIMITED', 'CREDIT_LIMIT']);
const MARKER = Symbol.for('cocoon.ProviderError');

/**
 * A failure on the way to or from a provider, with what a caller needs to
 * decide what to do next as typed fields: the wire code, the phase, the wait
 * the provider asked for, and the receipts it holds as unpaid. Retry decisions
 * read `retryable` and `transient`, never the message.
 */
export class ProviderError extends CocoonError {
  readonly [MARKER] = true;
  readonly wireCode?: WireErrorCode;
  readonly phase: ProviderErrorPhase;
  readonly outstanding?: PendingReceipt[];
  readonly incomplete: boolean;
  readonly status?: number;
  private readonly askedWaitMs?: number;

  constructor(code: ErrorCode, message: string, options: ProviderErrorOptions = {}) {
    const details = {
      ...options.details,
      ...(options.wireCode ? {wireCode: options.wireCode} : {}),
      ...(options.retryAfterMs === undefined ? {} : {retryAfterMs: options.retryAfterMs}),
      ...(options.outstanding ? {outstanding: options.outstanding.length} : {}),
      ...(options.incomplete ? {incomplete: true} : {}),
      ...(options.status === undefined ? {} : {status: options.status}),
      phase: options.phase ?? 'before-text',
    };
    super(code, message, {hint: options.hint, cause: options.cause, details});
    this.name = 'CocoonError';
    this.wireCode = options.wireCode;
    this.phase = options.phase ?? 'before-text';
    this.askedWaitMs = options.retryAfterMs;
    this.outstanding = options.outstanding;
    this.incomplete = Boolean(options.incomplete);
    this.status = options.status;
  }

  /** True for a ProviderError, also across copies of this module. */
  static isInstance(error: unknown): error is ProviderError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** Nothing was charged and another provider may answer (provided no text reached the user). */
  get retryable(): boolean {
    return FAILOVER.has(this.code);
  }

  /** The same provider will likely take the query after `retryAfterMs`: rate limited, or the channel's credit window full. */
  get transient(): boolean {
    return (this.wireCode !== undefined && TRANSIENT.has(this.wireCode)) || this.status === 429;
  }

  /** How long to wait before asking the same provider again, ms (the provider's figure, else 500 ms for a transient refusal). */
  get retryAfterMs(): number | undefined {
    return this.askedWaitMs ?? (this.transient ? 500 : undefined);
  }

  /** The same error, placed at a later phase of the query. */
  at(phase: ProviderErrorPhase): ProviderError {
    if (phase === this.phase) return this;
    return new ProviderError(this.code, this.message, {
      hint: this.hint, cause: this.cause, wireCode: this.wireCode, phase, retryAfterMs: this.askedWaitMs, outstanding: this.outstanding, incomplete: this.incomplete, status: this.status,
    });
  }
}

/** The ProviderError a client raises for a wire error. */
export function wireError(code: WireErrorCode, message: string, options: Omit<ProviderErrorOptions, 'wireCode'> = {}): ProviderError {
  return new ProviderError(WIRE_ERRORS[code].cocoon, `Provider refused the query: ${message}`, {...options, wireCode: code});
}

/** A decoding failure: always PROTOCOL_ERROR, never a raw TypeError. */
export function malformed(what: string, cause?: unknown): CocoonError {
  return new CocoonError('PROTOCOL_ERROR', `Malformed ${what}.`, {cause});
}
