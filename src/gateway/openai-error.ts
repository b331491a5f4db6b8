import {isCocoonError, type ErrorCode} from '../errors.js';

/** The `type` field of an OpenAI error body. */
export type OpenAiErrorType = 'invalid_request_error' | 'authentication_error' | 'insufficient_quota' | 'server_error' | 'not_found_error';

/** The JSON body of an OpenAI error response. */
export interface OpenAiErrorBody {
  error: {message: string; type: OpenAiErrorType; param: string | null; code: string | null};
}

/**
 * An error the gateway answers with: an HTTP status and an OpenAI-shaped body,
 * so OpenAI SDKs raise their usual typed exceptions (BadRequestError,
 * AuthenticationError, NotFoundError …).
 */
export class OpenAiError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    message: string,
    /** OpenAI error type. Default: invalid_request_error. */
    readonly type: OpenAiErrorType = 'invalid_request_error',
    /** Machine-readable code, e.g. model_not_found. Default: null. */
    readonly code: string | null = null,
    /** The request field at fault, e.g. `messages.0.role`. Default: null. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'OpenAiError';
  }

  /** The response body. */
  body(): OpenAiErrorBody {
    return {error: {message: this.message, type: this.type, param: this.param, code: this.code}};
  }

  /** Any thrown value as the error the client should see (CocoonError codes mapped to statuses). */
  static from(error: unknown): OpenAiError {
    if (error instanceof OpenAiError) return error;
    if (!isCocoonError(error)) return new OpenAiError(500, 'The gateway failed unexpectedly.', 'server_error', 'internal_error');
    const [status, type, code] = STATUS[error.code] ?? [500, 'server_error', 'internal_error'];
    // Hints name what the operator can do (top up, set a password); they help a client's developer too.
    const message = error.hint ? `${error.message} ${error.hint}` : error.message;
    return new OpenAiError(status, message, type, code, error.code === 'NOT_FOUND' ? 'model' : null);
  }
}

// CocoonError code → [HTTP status, OpenAI type, OpenAI code].
const STATUS: Partial<Record<ErrorCode, [number, OpenAiErrorType, string]>> = {
  NOT_FOUND: [404, 'invalid_request_error', 'model_not_found'],
  INVALID_INPUT: [400, 'invalid_request_error', 'invalid_value'],
  USAGE: [400, 'invalid_request_error', 'invalid_value'],
  INSUFFICIENT_FUNDS: [402, 'insufficient_quota', 'insufficient_quota'],
  PAYMENT_REQUIRED: [402, 'insufficient_quota', 'insufficient_quota'],
  PROVIDER_UNAVAILABLE: [503, 'server_error', 'provider_unavailable'],
  BUSY: [503, 'server_error', 'provider_busy'],
  TIMEOUT: [504, 'server_error', 'timeout'],
  // Upstream failures: the provider's engine or its answer, or the chain.
  MODEL_ERROR: [502, 'server_error', 'provider_error'],
  PROTOCOL_ERROR: [502, 'server_error', 'provider_error'],
  CHAIN_ERROR: [502, 'server_error', 'chain_error'],
  CHAIN_UNAVAILABLE: [503, 'server_error', 'chain_unavailable'],
  ABORTED: [499, 'server_error', 'cancelled'],
};
