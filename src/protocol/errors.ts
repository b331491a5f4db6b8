import {CocoonError, type ErrorCode} from '../errors.js';
import type {WireErrorCode} from './wire.js';

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
  VOUCHER_OWED: {status: 200, cocoon: 'PAYMENT_REQUIRED'},
  CHANNEL_BUSY: {status: 200, cocoon: 'BUSY'},
  BUSY: {status: 200, cocoon: 'BUSY'},
  BAD_VOUCHER: {status: 400, cocoon: 'PAYMENT_REQUIRED'},
  ENGINE_ERROR: {status: 200, cocoon: 'MODEL_ERROR'},
  SHUTTING_DOWN: {status: 503, cocoon: 'PROVIDER_UNAVAILABLE'},
  INTERNAL: {status: 500, cocoon: 'PROVIDER_UNAVAILABLE'},
};

/** The CocoonError a client raises for a wire error. */
export function wireError(code: WireErrorCode, message: string, details: Record<string, unknown> = {}): CocoonError {
  return new CocoonError(WIRE_ERRORS[code].cocoon, `Provider refused the query: ${message}`, {details: {wireCode: code, ...details}});
}

/** A decoding failure: always PROTOCOL_ERROR, never a raw TypeError. */
export function malformed(what: string, cause?: unknown): CocoonError {
  return new CocoonError('PROTOCOL_ERROR', `Malformed ${what}.`, {cause});
}
