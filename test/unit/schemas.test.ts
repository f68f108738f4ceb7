import { describe, expect, it } from 'vitest';
import { EventBatch, FormSubmission } from '../../src/api/schemas';
import { fieldPath, validationError } from '../../src/http/errors';

const fieldsAtFault = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  result.error?.issues.map((issue) => fieldPath(issue.path)) ?? [];

describe('FormSubmission', () => {
  it('reads the strings of a urlencoded HTML form: numbers, repeated checkboxes, blanks as absent', () => {
    const result = FormSubmission.parse({
      email: 'Jane@Example.com',
      teamSize: '120',
      budget: '',
      country: 'id',
      consent: ['newsletter', 'events'],
      company: '  Acme  ',
      website: '',
    });
    expect(result).toMatchObject({ email: 'jane@example.com', teamSize: 120, country: 'ID', consent: ['newsletter', 'events'], company: 'Acme' });
    expect(result.budget).toBeUndefined();
  });

  it('takes a single checkbox as a list of one', () => {
    expect(FormSubmission.parse({ email: 'a@example.com', consent: 'offers' }).consent).toEqual(['offers']);
  });

  it.each([
    [{ teamSize: 'ten' }, 'teamSize'],
    [{ teamSize: '-3' }, 'teamSize'],
    [{ country: 'Indonesia' }, 'country'],
    [{ consent: ['Spam!'] }, 'consent[0]'],
    [{ phone: 'call me' }, 'phone'],
    [{ pageUrl: 'not a url' }, 'pageUrl'],
    [{ anonymousId: 'x' }, 'anonymousId'],
    [{ company: 'x'.repeat(201) }, 'company'],
  ])('names the field at fault for %j', (fields, field) => {
    expect(fieldsAtFault(FormSubmission.safeParse({ email: 'a@example.com', ...fields }))).toEqual([field]);
  });

  it('requires a valid email', () => {
    expect(fieldsAtFault(FormSubmission.safeParse({}))).toEqual(['email']);
    expect(fieldsAtFault(FormSubmission.safeParse({ email: 'nope' }))).toEqual(['email']);
  });

  it('refuses unknown fields, naming them', () => {
    const result = FormSubmission.safeParse({ email: 'a@example.com', favouriteColour: 'blue' });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(validationError(result.error).issues).toEqual([{ field: '(body)', message: 'unknown field(s): favouriteColour' }]);
    }
  });
});

describe('EventBatch', () => {
  const pageView = { id: 'evt-00000001', type: 'page_view', occurredAt: '2026-11-01T10:00:00Z', anonymousId: 'visitor-1', properties: { url: 'https://example.com/pricing', secondsOnPage: 40 } };

  it('accepts known and custom event types', () => {
    const custom = { id: 'evt-00000002', type: 'trial_started', occurredAt: '2026-11-01T10:00:00+07:00', email: 'a@example.com', properties: { plan: 'pro', seats: 5 } };
    expect(EventBatch.parse({ events: [pageView, custom] }).events).toHaveLength(2);
  });

  it.each([
    [{ properties: { url: 'nope' } }, 'events[0].properties.url'],
    [{ properties: { url: 'https://example.com', secondsOnPage: -1 } }, 'events[0].properties.secondsOnPage'],
    [{ properties: { url: 'https://example.com', colour: 'red' } }, 'events[0].properties'],
    [{ occurredAt: 'yesterday' }, 'events[0].occurredAt'],
    [{ occurredAt: '2999-01-01T00:00:00Z' }, 'events[0].occurredAt'],
    [{ email: 'a@example.com' }, 'events[0].anonymousId'],
    [{ type: 'Page View' }, 'events[0].type'],
    [{ id: 'short' }, 'events[0].id'],
  ])('names the field at fault for %j', (change, field) => {
    expect(fieldsAtFault(EventBatch.safeParse({ events: [{ ...pageView, ...change }] }))).toContain(field);
  });

  it('needs an anonymous id or an email', () => {
    const { anonymousId: _omitted, ...anonymousless } = pageView;
    expect(fieldsAtFault(EventBatch.safeParse({ events: [anonymousless] }))).toEqual(['events[0].anonymousId']);
  });

  it('bounds the batch', () => {
    expect(fieldsAtFault(EventBatch.safeParse({ events: [] }))).toEqual(['events']);
    expect(fieldsAtFault(EventBatch.safeParse({ events: Array.from({ length: 51 }, () => pageView) }))).toEqual(['events']);
  });
});
