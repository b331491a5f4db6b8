import {describe, expect, it} from 'vitest';
import {CocoonError, type ErrorCode} from '../../src/errors.js';
import {OpenAiError} from '../../src/gateway/openai-error.js';

describe('OpenAiError.from: CocoonError codes → HTTP statuses', () => {
  it.each<[ErrorCode, number, string]>([
    ['NOT_FOUND', 404, 'model_not_found'],
    ['INVALID_INPUT', 400, 'invalid_value'],
    ['USAGE', 400, 'invalid_value'],
    ['INSUFFICIENT_FUNDS', 402, 'insufficient_quota'],
    ['PAYMENT_REQUIRED', 402, 'insufficient_quota'],
    ['PROVIDER_UNAVAILABLE', 503, 'provider_unavailable'],
    ['BUSY', 503, 'provider_busy'],
    ['TIMEOUT', 504, 'timeout'],
    ['MODEL_ERROR', 502, 'provider_error'],
    ['CHAIN_UNAVAILABLE', 503, 'chain_unavailable'],
    ['CORRUPT_DATA', 500, 'internal_error'],
  ])('%s → %i %s', (code, status, openaiCode) => {
    const e = OpenAiError.from(new CocoonError(code, 'What happened.', {hint: 'What to do.'}));
    expect(e.status).toBe(status);
    expect(e.body()).toEqual({error: {message: 'What happened. What to do.', type: expect.any(String), param: code === 'NOT_FOUND' ? 'model' : null, code: openaiCode}});
  });

  it('hides the message of anything that is not a CocoonError', () => {
    expect(OpenAiError.from(new TypeError('secret internals')).body().error).toEqual({message: 'The gateway failed unexpectedly.', type: 'server_error', param: null, code: 'internal_error'});
  });
});
