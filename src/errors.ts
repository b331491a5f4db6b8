/**
 * Typed errors with stable codes. Library code throws these; only the CLI base
 * command maps them to exit codes and prints them.
 */

/** Stable error codes; the CLI maps each to an exit code (see EXIT_CODES). */
export type ErrorCode =
  | 'USAGE'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'BAD_PASSWORD'
  | 'CORRUPT_DATA'
  | 'CHAIN_UNAVAILABLE'
  | 'CHAIN_ERROR'
  | 'INSUFFICIENT_FUNDS'
  | 'INVALID_INPUT'
  | 'NO_TERMINAL'
  | 'TIMEOUT'
  | 'MODEL_ERROR'
  | 'PROTOCOL_ERROR'
  | 'PROVIDER_UNAVAILABLE'
  | 'BUSY'
  | 'PAYMENT_REQUIRED'
  | 'ABORTED'
  | 'INTERNAL';

/** Process exit code per error code. 2 stays oclif's own code for flag parse errors. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  USAGE: 2,
  INVALID_INPUT: 2,
  NOT_FOUND: 3,
  ALREADY_EXISTS: 3,
  BAD_PASSWORD: 4,
  NO_TERMINAL: 4,
  CORRUPT_DATA: 5,
  CHAIN_UNAVAILABLE: 6,
  CHAIN_ERROR: 6,
  TIMEOUT: 6,
  INSUFFICIENT_FUNDS: 7,
  PAYMENT_REQUIRED: 7,
  MODEL_ERROR: 8,
  PROTOCOL_ERROR: 9,
  PROVIDER_UNAVAILABLE: 10,
  BUSY: 10,
  ABORTED: 130,
  INTERNAL: 1,
};

/** Options for a CocoonError beyond its code and message. */
export interface CocoonErrorOptions {
  /** What the user should do next; printed under the message. */
  hint?: string;
  /** Machine-readable details for `--json` output. Never put secrets here. */
  details?: Record<string, unknown>;
  /** The underlying error, kept for debugging. */
  cause?: unknown;
}

/** The one error type library modules throw on purpose. */
export class CocoonError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CocoonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'CocoonError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** Exit code for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** True for a CocoonError (also across module copies, by shape). */
export function isCocoonError(err: unknown): err is CocoonError {
  return err instanceof CocoonError || (err instanceof Error && err.name === 'CocoonError' && 'code' in err);
}
