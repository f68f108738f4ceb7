import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { Conflict, InvalidInput, LeadBusy, NotFound, Unavailable } from '../../src/domain/errors';
import { HttpError } from '../../src/http/errors';
import { throttlingRefusal } from '../../src/adapters/throttling';
import { errorResponses, type ErrorAnswers } from '../../src/http/middleware';

const logger = new Logger({ serviceName: 'test' });

/** What the error middleware answers for an error a handler threw. */
function answerTo(error: unknown, answers: ErrorAnswers = {}): APIGatewayProxyStructuredResultV2 {
  const request = { error, response: undefined as APIGatewayProxyStructuredResultV2 | undefined, event: {} };
  const onError = errorResponses(logger, answers).onError as (request: unknown) => void;
  onError(request);
  if (!request.response) throw new Error('no response');
  return request.response;
}
const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(String(response.body)) as unknown;

describe('the error middleware: the one place errors become statuses', () => {
  it('answers each kind of error with its status, its message and the fields at fault', () => {
    const invalid = answerTo(InvalidInput.field('limit', 'must be a whole number from 1 to 200'));
    expect(invalid.statusCode).toBe(400);
    expect(bodyOf(invalid)).toEqual({ message: 'Invalid request: limit must be a whole number from 1 to 200', issues: [{ field: 'limit', message: 'must be a whole number from 1 to 200' }] });
    expect(answerTo(new NotFound('No segment s-1')).statusCode).toBe(404);
    expect(bodyOf(answerTo(new NotFound('No segment s-1')))).toEqual({ message: 'No segment s-1' });
    const conflict = answerTo(new Conflict('Conflict: events[0].id was already used', [{ field: 'events[0].id', message: 'was already used' }]));
    expect(conflict.statusCode).toBe(409);
    expect(bodyOf(conflict)).toMatchObject({ issues: [{ field: 'events[0].id' }] });
  });

  it('tells a caller of a busy or unavailable service when to try again', () => {
    expect(answerTo(new Unavailable('The scheduler did not answer', 5))).toMatchObject({ statusCode: 503, headers: { 'retry-after': '5' } });
    expect(answerTo(new Unavailable('Try later')).headers).not.toHaveProperty('retry-after');
    const busy = answerTo(new LeadBusy('lead-1', 5));
    expect(busy).toMatchObject({ statusCode: 503, headers: { 'retry-after': '2' } });
    expect(bodyOf(busy)).toEqual({ message: 'Lead lead-1 kept changing; giving up after 5 attempts' });
  });

  it('answers an HttpError with its own status and headers, and anything else with a bare 500', () => {
    expect(answerTo(new HttpError(413, 'Request body is larger than 10 bytes'))).toMatchObject({ statusCode: 413 });
    expect(answerTo(new HttpError(503, 'Later', undefined, { 'retry-after': '2' }))).toMatchObject({ statusCode: 503, headers: { 'retry-after': '2' } });
    const error = vi.spyOn(logger, 'error').mockImplementation(() => {});
    const crash = answerTo(new TypeError('secret internals'));
    expect(crash.statusCode).toBe(500);
    expect(bodyOf(crash)).toEqual({ message: 'Internal Server Error' });
    expect(error).toHaveBeenCalledOnce();
  });

  describe('a service turning the request away for now', () => {
    const throttled = Object.assign(new Error('Rate exceeded for table leadflow-test, key EMAIL#jane@example.com'), { name: 'ProvisionedThroughputExceededException' });

    it('is a 503 with Retry-After naming the refusal, and logs its name only: never its message, which may hold personal data', () => {
      const warn = vi.spyOn(logger, 'warn').mockImplementation(() => {});
      const busy = answerTo(throttled, { unavailable: throttlingRefusal });
      expect({ status: busy.statusCode, headers: busy.headers, body: bodyOf(busy) }).toEqual({
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '2' },
        body: { message: 'A service this request needs is busy (ProvisionedThroughputExceededException); repeat the same request' },
      });
      expect(warn.mock.calls).toEqual([['A service turned the request away for now; answered 503', { refusal: 'ProvisionedThroughputExceededException' }]]);
      warn.mockRestore();
    });

    it('names a refusal wrapped in another error (Powertools Parameters wraps Secrets Manager\'s), shows a page to a caller that wants one, and leaves other faults a 500', () => {
      const wrapped = Object.assign(new Error('Rate exceeded', { cause: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }) }), { name: 'GetParameterError' });
      expect(bodyOf(answerTo(wrapped, { unavailable: throttlingRefusal }))).toEqual({ message: 'A service this request needs is busy (ThrottlingException); repeat the same request' });
      const page = answerTo(throttled, { unavailable: throttlingRefusal, errorPage: (_, statusCode) => ({ statusCode, headers: { 'content-type': 'text/html' }, body: '<p>Busy</p>' }) });
      expect(page).toEqual({ statusCode: 503, headers: { 'retry-after': '2', 'content-type': 'text/html' }, body: '<p>Busy</p>' });
      const error = vi.spyOn(logger, 'error').mockImplementation(() => {});
      expect(answerTo(Object.assign(new Error('boom'), { name: 'InternalServerError' }), { unavailable: throttlingRefusal }).statusCode).toBe(500);
      expect(answerTo(throttled).statusCode).toBe(500);
      error.mockRestore();
    });
  });

  it('knows a refusal by its name, in a transaction refused for capacity, and a few causes deep; a cycle of causes ends', () => {
    const named = (name: string, extra: object = {}) => Object.assign(new Error('x'), { name }, extra);
    expect(['ProvisionedThroughputExceededException', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded'].map((name) => throttlingRefusal(named(name)))).toEqual([
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'TooManyRequestsException',
      'RequestLimitExceeded',
    ]);
    expect(throttlingRefusal(named('TransactionCanceledException', { CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] }))).toBe('TransactionCanceledException');
    expect(throttlingRefusal(named('TransactionCanceledException', { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }))).toBeUndefined();
    const cycle = named('GetParameterError');
    Object.assign(cycle, { cause: cycle });
    expect(throttlingRefusal(cycle)).toBeUndefined();
    expect(throttlingRefusal('ThrottlingException')).toBeUndefined();
  });
});
