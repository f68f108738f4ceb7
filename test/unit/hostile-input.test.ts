import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBatch, FormSubmission, MAX_EXACT_NUMBER, withFormAttributes } from '../../src/api/schemas';
import { requestFingerprint, scopedEventId, submissionIdFor } from '../../src/domain/idempotency';
import { matchesPattern } from '../../src/domain/pattern';
import { validationError } from '../../src/http/errors';
import { parseBody, type ParsedBodyEvent } from '../../src/http/middleware';

/** The issues a 400 would carry for this form body. */
function formIssues(body: unknown) {
  const parsed = FormSubmission.safeParse(withFormAttributes(body));
  return parsed.success ? [] : validationError(parsed.error).issues ?? [];
}

const event = (overrides: Record<string, unknown> = {}) => ({
  id: 'evt-00000001',
  type: 'page_view',
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  email: 'jane@example.com',
  properties: { url: 'https://example.com/pricing' },
  ...overrides,
});
function eventIssues(overrides: Record<string, unknown>) {
  const parsed = EventBatch.safeParse({ events: [event(overrides)] });
  return parsed.success ? [] : validationError(parsed.error).issues ?? [];
}

describe('hostile input is refused with the field and the reason', () => {
  it('says a number sent as email must be a string, and a missing email is required', () => {
    expect(formIssues({ email: 42 })).toEqual([{ field: 'email', message: 'must be a string' }]);
    expect(formIssues({})).toEqual([{ field: 'email', message: 'is required' }]);
  });

  it('states the bound a number broke, and refuses numbers written as hex, exponent or with letters instead of coercing them', () => {
    expect(formIssues({ email: 'jane@example.com', teamSize: -1 })).toEqual([{ field: 'teamSize', message: 'must be at least 0' }]);
    for (const doubtful of ['0x10', '1e3', '12abc', 'Infinity', '1.5']) {
      expect(formIssues({ email: 'jane@example.com', teamSize: doubtful })[0]?.field).toBe('teamSize');
    }
    expect(FormSubmission.parse({ email: 'jane@example.com', teamSize: ' 120 ' }).teamSize).toBe(120);
  });

  it('refuses javascript:, data: and other non-web page addresses', () => {
    for (const url of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'ftp://example.com/x']) {
      expect(formIssues({ email: 'jane@example.com', pageUrl: url })[0]?.field).toBe('pageUrl');
      expect(eventIssues({ properties: { url } })[0]?.field).toBe('events[0].properties.url');
    }
  });

  it('refuses year 0000, impossible dates and times before 2000 as an event time', () => {
    for (const occurredAt of ['0000-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2026-13-45T25:61:00Z', '2026-02-30T10:00:00Z']) {
      expect(eventIssues({ occurredAt })[0]?.field).toBe('events[0].occurredAt');
    }
  });

  it('refuses every number JavaScript or DynamoDB cannot hold exactly, naming the property', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ min: MAX_EXACT_NUMBER + 1, noNaN: true }), fc.double({ max: -MAX_EXACT_NUMBER - 1, noNaN: true }), fc.double({ min: 5e-324, max: 9e-131, noNaN: true })),
        (tooLarge) => {
          expect(eventIssues({ type: 'trial_started', properties: { seats: tooLarge } })).toEqual([
            expect.objectContaining({ field: 'events[0].properties.seats' }),
          ]);
          expect(formIssues({ email: 'jane@example.com', attributes: { seats: tooLarge } })[0]?.field).toBe('attributes.seats');
        },
      ),
    );
  });

  it('refuses control characters and line breaks in one-line text such as a name', () => {
    expect(formIssues({ email: 'jane@example.com', firstName: 'Jane\r\nBcc: victim@example.com' })).toEqual([
      { field: 'firstName', message: 'must not contain control characters or line breaks' },
    ]);
  });

  it('treats an event type or property named like an Object.prototype member as an ordinary custom name', () => {
    expect(eventIssues({ type: 'constructor', properties: { toString: 'x', hasOwnProperty: 1 } })).toEqual([]);
    expect(eventIssues({ type: 'custom_event', properties: JSON.parse('{"__proto__": "x"}') as Record<string, unknown> })[0]?.field).toBe('events[0].properties.__proto__');
  });

  it('names an attribute called __proto__ instead of dropping it', () => {
    expect(formIssues(JSON.parse('{"email":"jane@example.com","attributes":{"__proto__":"x"}}'))[0]?.field).toBe('attributes.__proto__');
    expect(formIssues({ email: 'jane@example.com', 'attributes.__proto__': 'x' })[0]?.field).toBe('attributes.__proto__');
  });

  it('never lets a form field reach Object.prototype, whatever its name', () => {
    const middleware = parseBody();
    const parse = (body: string) => {
      const event = { body, isBase64Encoded: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } } as unknown as ParsedBodyEvent;
      void middleware.before?.({ event } as never);
      return event.parsedBody as Record<string, unknown>;
    };
    const fields = parse('__proto__=1&__proto__=2&constructor=x&toString=y&email=jane%40example.com');
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.hasOwn(fields, '__proto__')).toBe(true);
    expect(fields.constructor).toBe('x');
    expect(formIssues(fields)[0]?.message).toMatch(/unknown field/);
  });

  it('no zod default text reaches a caller: every message says what the field must be', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        for (const issue of formIssues(body)) expect(issue.message).not.toMatch(/^Invalid input/);
      }),
    );
  });
});

describe('patterns look at own properties only', () => {
  it('a pattern on `constructor` does not find Object.prototype.constructor on every input', () => {
    expect(matchesPattern({ lead: { attributes: { constructor: [{ exists: true }] } } }, { lead: { attributes: {} } })).toBe(false);
    expect(matchesPattern({ lead: { attributes: { constructor: [{ exists: true }] } } }, { lead: { attributes: { constructor: 'x' } } })).toBe(true);
  });
});

describe('idempotency keys', () => {
  it('scope a submission to its form and address, so another address with the same key is another submission', () => {
    expect(submissionIdFor('contact', 'jane@example.com', 'k1')).toBe(submissionIdFor('contact', 'jane@example.com', 'k1'));
    expect(submissionIdFor('contact', 'mallory@example.com', 'k1')).not.toBe(submissionIdFor('contact', 'jane@example.com', 'k1'));
    expect(submissionIdFor('demo', 'jane@example.com', 'k1')).not.toBe(submissionIdFor('contact', 'jane@example.com', 'k1'));
  });

  it('scope an event id to its visitor or address', () => {
    expect(scopedEventId({ email: 'jane@example.com' }, 'evt-1')).not.toBe(scopedEventId({ email: 'mallory@example.com' }, 'evt-1'));
    expect(scopedEventId({ anonymousId: 'visitor-1' }, 'evt-1')).not.toBe(scopedEventId({ email: 'visitor-1' }, 'evt-1'));
  });

  it('fingerprint a request whatever its key order, and tell different requests apart', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (request) => {
        const reversed = Object.fromEntries(Object.entries(request).reverse());
        expect(requestFingerprint(reversed)).toBe(requestFingerprint(request));
        expect(requestFingerprint({ ...request, extra: 'changed' })).not.toBe(requestFingerprint(request));
      }),
    );
  });
});
