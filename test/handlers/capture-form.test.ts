import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/capture-form/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/capture-form/handler'));
});

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(GetCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  answerLeadReadsFromGets(dynamo);
});

const submit = (body: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
  handler(
    httpEvent({ path: '/v1/forms/contact/submissions', route: '/v1/forms/{formId}/submissions', pathParameters: { formId: 'contact' }, headers: { 'content-type': contentType, ...headers }, body }),
    context,
  );
/** Only a form's definition is ever read before a refusal: nothing is written. */
const written = () => dynamo.calls().filter((call) => !(call.args[0] instanceof GetCommand));
/** The form has no stored definition (a blanket GetCommand answer would otherwise be read as one). */
const noFormDefinition = () => dynamo.on(GetCommand, { Key: { pk: 'FORM#contact', sk: 'FORM' } }).resolves({});
const parsed = (response: Awaited<ReturnType<typeof submit>>) => JSON.parse(response.body ?? '{}');

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('capture-form', () => {
  it('takes a consent to a subscription type added moments ago, which the catalogue this container read lacks', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect((await submit(JSON.stringify({ email: 'jane@example.com', consent: ['newsletter'] }))).statusCode).toBe(202);
      // An admin adds a type; a visitor ticks it a moment later, well within the minute the catalogue is held.
      const webinars = { id: 'webinars', label: { en: 'Webinars', id: 'Webinar' }, description: { en: 'Live sessions.', id: 'Sesi langsung.' }, doubleOptIn: false, transactional: false, archived: false };
      dynamo.on(GetCommand, { Key: keys.subscriptionTypes() }).resolves({ Item: { ...keys.subscriptionTypes(), types: [...SEEDED_CATALOGUE, webinars], version: 1, updatedAt: new Date().toISOString(), updatedBy: 'admin' } });
      vi.setSystemTime(Date.now() + 1_100);
      dynamo.resetHistory();
      const response = await submit(JSON.stringify({ email: 'jane@example.com', consent: ['webinars'] }));
      expect(response.statusCode).toBe(202);
      const consents = (dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? []).filter((item) => item.Put?.Item?.entity === 'consent');
      expect(consents.map((item) => [item.Put?.Item?.subscription, item.Put?.Item?.status])).toEqual([['webinars', 'opted_in']]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('creates the lead, records consent and the submission in one transaction, then publishes', async () => {
    const response = await submit(JSON.stringify({ email: ' Jane@Example.com ', firstName: 'Jane', consent: ['product_updates'], teamSize: 40 }));
    expect(response.statusCode).toBe(202);
    expect(parsed(response)).toMatchObject({ status: 'accepted', leadId: expect.any(String), submissionId: expect.stringMatching(/^sub_/) });
    const [transaction] = dynamo.commandCalls(TransactWriteCommand);
    const items = transaction?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.entity ?? item.Put?.Item?.pk)).toEqual(['EMAIL#jane@example.com', 'lead', 'stage-transition', 'score', 'event', 'form-submission', 'consent']);
    // The form told us about Jane: she enters the funnel as a lead, and that entry is recorded.
    expect(items[1]?.Put?.Item).toMatchObject({ stage: 'lead', stageChangedAt: items[1]?.Put?.Item?.createdAt });
    expect(items[2]?.Put?.Item).toMatchObject({ leadId: parsed(response).leadId, from: null, to: 'lead', cause: 'created', actor: 'leadflow', gsi1pk: expect.stringMatching(/^TRANSITIONS#/) });
    expect(items[6]?.Put?.Item).toMatchObject({ subscription: 'product_updates', status: 'opted_in', ipAddress: '203.0.113.9', method: 'form_checkbox' });
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => entry.DetailType)).toEqual(['engagement.recorded', 'lead.contact-changed']);
    // A submission is one engagement event, announced as the events API announces a lead's events.
    expect(JSON.parse(entries[0]?.Detail ?? '{}')).toEqual({ version: 2, correlationId: expect.any(String), eventIds: [parsed(response).submissionId], leadId: parsed(response).leadId });
  });

  it('announces which contact fields a submission set, keyed by the submission, never their values', async () => {
    await submit(JSON.stringify({ email: 'jane@example.com', firstName: 'Jane', phone: '+62 21 555 0100', attributes: { plan: 'pro' } }), 'application/json', { 'idempotency-key': 'k-contact' });
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    const contactChange = entries.find((entry) => entry.DetailType === 'lead.contact-changed');
    expect(JSON.parse(contactChange?.Detail ?? '{}')).toMatchObject({ fields: ['email', 'firstName', 'phone', 'attributes.plan'], source: 'form', changeId: expect.stringMatching(/^sub_/) });
    // Whole values, as written or with the spaces taken out: a short fragment also turns up in the random lead id.
    for (const value of ['Jane', '555 0100', '5550100']) expect(contactChange?.Detail).not.toContain(value);
  });

  it('keeps a double-opt-in subscription pending and asks for its confirmation by email', async () => {
    await submit(JSON.stringify({ email: 'jane@example.com', consent: ['newsletter', 'events'] }));
    const written = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    // Only an address and ticked boxes: a newsletter sign-up enters the funnel as a subscriber.
    expect(written.find((item) => item.Put?.Item?.entity === 'lead')?.Put?.Item?.stage).toBe('subscriber');
    expect(written.find((item) => item.Put?.Item?.entity === 'stage-transition')?.Put?.Item).toMatchObject({ from: null, to: 'subscriber' });
    const consents = written.filter((item) => item.Put?.Item?.entity === 'consent');
    expect(consents.map((item) => [item.Put?.Item?.subscription, item.Put?.Item?.status])).toEqual([['newsletter', 'pending'], ['events', 'opted_in']]);
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    const request = entries.find((entry) => entry.DetailType === 'consent.confirmation-requested');
    expect(JSON.parse(request?.Detail ?? '{}')).toMatchObject({ subscriptions: ['newsletter'] });
  });

  it('leaves an existing opt-in as it is when the box is ticked again: no new record, no confirmation', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'EMAIL#jane@example.com', sk: 'EMAIL' } }).resolves({ Item: { leadId: 'lead-1' } });
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: { id: 'lead-1', subscriptions: { newsletter: 'opted_in' } } });
    await submit(JSON.stringify({ email: 'jane@example.com', consent: ['newsletter'] }));
    const consents = (dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? []).filter((item) => item.Put?.Item?.entity === 'consent');
    expect(consents).toEqual([]);
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => entry.DetailType)).toEqual(['engagement.recorded', 'lead.contact-changed']);
  });

  it('accepts a plain HTML form post (urlencoded, repeated checkboxes)', async () => {
    const response = await submit('email=budi%40example.co.id&consent=newsletter&consent=events&teamSize=12&website=', 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(202);
    const items = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.filter((item) => item.Put?.Item?.entity === 'consent').map((item) => item.Put?.Item?.subscription)).toEqual(['newsletter', 'events']);
  });

  describe('a form sent in the charset its page declares (accept-charset)', () => {
    // "Zoë Ångström" in windows-1252: ë is 0xEB, Å 0xC5, ö 0xF6; each one byte, none valid UTF-8 alone.
    const zoe = Buffer.from('email=zoe%40example.se&firstName=Zo\xeb&lastName=\xc5ngstr\xf6m', 'latin1');
    const stored = () => dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.find((item) => item.Put?.Item?.entity === 'lead')?.Put?.Item;
    const sendBytes = (body: Buffer, contentType: string) =>
      handler(
        {
          ...httpEvent({ path: '/v1/forms/contact/submissions', route: '/v1/forms/{formId}/submissions', pathParameters: { formId: 'contact' }, headers: { 'content-type': contentType } }),
          body: body.toString('base64'),
          isBase64Encoded: true,
        },
        context,
      );

    it('stores raw windows-1252 bytes as the names they spell', async () => {
      expect((await sendBytes(zoe, 'application/x-www-form-urlencoded; charset=windows-1252')).statusCode).toBe(202);
      expect(stored()).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
    });

    it('reads percent-escapes as bytes of the declared charset, not as UTF-8', async () => {
      const response = await submit('email=zoe%40example.se&firstName=Zo%EB&lastName=%C5ngstr%F6m', 'application/x-www-form-urlencoded; charset=ISO-8859-1');
      expect(response.statusCode).toBe(202);
      expect(stored()).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
    });

    it('reads multipart fields in the declared charset', async () => {
      const body = Buffer.concat([
        Buffer.from('--b\r\ncontent-disposition: form-data; name="email"\r\n\r\nzoe@example.se\r\n'),
        Buffer.from('--b\r\ncontent-disposition: form-data; name="firstName"\r\n\r\nZo\xeb\r\n', 'latin1'),
        Buffer.from('--b\r\ncontent-disposition: form-data; name="lastName"\r\n\r\n\xc5ngstr\xf6m\r\n--b--\r\n', 'latin1'),
      ]);
      expect((await sendBytes(body, 'multipart/form-data; boundary=b; charset=windows-1252')).statusCode).toBe(202);
      expect(stored()).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
    });

    it('keeps UTF-8 forms and JSON as they were, whatever charset JSON claims', async () => {
      expect((await submit('email=zoe%40example.se&firstName=Zo%C3%AB&lastName=\u00c5ngstr\u00f6m', 'application/x-www-form-urlencoded; charset=utf-8')).statusCode).toBe(202);
      expect(stored()).toMatchObject({ firstName: 'Zoë', lastName: 'Ångström' });
      dynamo.resetHistory();
      expect((await submit(JSON.stringify({ email: 'zoe@example.se', firstName: 'Zoë' }), 'application/json; charset=windows-1252')).statusCode).toBe(202);
      expect(stored()).toMatchObject({ firstName: 'Zoë' });
    });

    it('refuses a charset it cannot decode with 415 naming it, storing nothing', async () => {
      const response = await sendBytes(zoe, 'application/x-www-form-urlencoded; charset=x-klingon');
      expect(response.statusCode).toBe(415);
      expect(parsed(response).message).toContain('x-klingon');
      expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    });
  });

  it('updates the existing lead when the email is known', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'None')).resolves({});
    dynamo.on(GetCommand).resolves({ Item: { leadId: 'lead-1' } });
    noFormDefinition();
    const response = await submit(JSON.stringify({ email: 'jane@example.com', company: 'Acme' }));
    expect(parsed(response)).toMatchObject({ leadId: 'lead-1' });
    const update = dynamo.commandCalls(TransactWriteCommand)[1]?.args[0].input.TransactItems?.find((item) => item.Update)?.Update;
    expect(update?.UpdateExpression).toContain('#company = :company');
    expect(update?.ExpressionAttributeValues?.[':company']).toBe('Acme');
  });

  it('answers a retry with the same Idempotency-Key with the same response and writes nothing new', async () => {
    const first = await submit(JSON.stringify({ email: 'jane@example.com' }), 'application/json', { 'idempotency-key': 'k-1' });
    dynamo.on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'))
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None'));
    dynamo.on(GetCommand).resolves({ Item: { leadId: parsed(first).leadId } });
    noFormDefinition();
    const second = await submit(JSON.stringify({ email: 'jane@example.com' }), 'application/json', { 'idempotency-key': 'k-1' });
    expect(second.statusCode).toBe(202);
    expect(parsed(second)).toEqual(parsed(first));
  });

  it('refuses the same Idempotency-Key with a different submission with 409 naming the key, changing nothing', async () => {
    const first = await submit(JSON.stringify({ email: 'jane@example.com', company: 'Acme' }), 'application/json', { 'idempotency-key': 'k-2' });
    const stored = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.find((item) => item.Put?.Item?.entity === 'form-submission')?.Put?.Item;
    expect(stored?.requestHash).toEqual(expect.any(String));
    dynamo.reset();
    dynamo.on(GetCommand).resolves({});
    // Every write is refused: the address has its lead, and the submission id is taken.
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'));
    dynamo.on(GetCommand, { Key: { pk: 'EMAIL#jane@example.com', sk: 'EMAIL' } }).resolves({ Item: { leadId: parsed(first).leadId } });
    dynamo.on(GetCommand, { Key: { pk: String(stored?.pk), sk: String(stored?.sk) } }).resolves({ Item: stored });

    const same = await submit(JSON.stringify({ company: 'Acme', email: 'jane@example.com' }), 'application/json', { 'idempotency-key': 'k-2' });
    expect(same.statusCode).toBe(202);
    const different = await submit(JSON.stringify({ email: 'jane@example.com', company: 'Globex' }), 'application/json', { 'idempotency-key': 'k-2' });
    expect(different.statusCode).toBe(409);
    expect(parsed(different).issues).toEqual([{ field: 'idempotency-key', message: expect.stringContaining('already used for a different submission') }]);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('scopes an Idempotency-Key to the address: another address with the same key is its own submission', async () => {
    const jane = parsed(await submit(JSON.stringify({ email: 'jane@example.com' }), 'application/json', { 'idempotency-key': 'guessable-1' }));
    const mallory = parsed(await submit(JSON.stringify({ email: 'mallory@example.com' }), 'application/json', { 'idempotency-key': 'guessable-1' }));
    expect(mallory.submissionId).not.toBe(jane.submissionId);
  });

  it('refuses an Idempotency-Key header with control characters or over 128 characters, naming it', async () => {
    for (const key of ['x'.repeat(129), 'key with spaces']) {
      const response = await submit(JSON.stringify({ email: 'jane@example.com' }), 'application/json', { 'idempotency-key': key });
      expect(response.statusCode).toBe(400);
      expect(parsed(response).issues[0].field).toBe('idempotency-key');
    }
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it.each([
    ['{"email":"nope"}', 'application/json', 400, 'email'],
    ['{"email":"a@example.com","teamSize":"many"}', 'application/json', 400, 'teamSize'],
    ['{"email":"a@example.com","isAdmin":true}', 'application/json', 400, '(body)'],
    ['{not json', 'application/json', 400, '(body)'],
  ])('refuses %s with %i naming %s, storing nothing', async (body, contentType, status, field) => {
    const response = await submit(body, contentType);
    expect(response.statusCode).toBe(status);
    expect(parsed(response).issues[0].field).toBe(field);
    expect(written()).toEqual([]);
    expect(bus.calls()).toHaveLength(0);
  });

  it('refuses other content types with 415 and bodies over 16 KB with 413, before parsing', async () => {
    expect((await submit('email=a@example.com', 'text/plain')).statusCode).toBe(415);
    const oversized = await submit(JSON.stringify({ email: 'a@example.com', company: 'x'.repeat(17_000) }));
    expect(oversized.statusCode).toBe(413);
    expect(written()).toEqual([]);
  });

  it('refuses a malformed form id', async () => {
    const response = await handler(
      httpEvent({ path: '/v1/forms/x/submissions', route: '/v1/forms/{formId}/submissions', pathParameters: { formId: 'bad id!' }, headers: { 'content-type': 'application/json' }, body: '{"email":"a@example.com"}' }),
      context,
    );
    expect(response.statusCode).toBe(400);
    expect(parsed(response).issues[0].field).toBe('formId');
  });

  it('drops a honeypot submission silently: 202 and nothing stored', async () => {
    const response = await submit(JSON.stringify({ email: 'bot@example.com', website: 'http://spam.example' }));
    expect(response.statusCode).toBe(202);
    expect(written()).toEqual([]);
  });

  it('links the anonymous visitor and announces the identification', async () => {
    await submit(JSON.stringify({ email: 'jane@example.com', anonymousId: 'visitor-123' }));
    const link = dynamo.commandCalls(TransactWriteCommand).at(-1)?.args[0].input.TransactItems ?? [];
    expect(link[0]?.Put?.Item).toMatchObject({ pk: 'ANON#visitor-123', sk: 'LINK' });
    expect(link[1]?.Update?.UpdateExpression).toBe('ADD anonymousIds :id');
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => entry.DetailType)).toEqual(['engagement.recorded', 'lead.contact-changed', 'lead.identified']);
  });

  it('retries entries PutEvents reports as failed inside a 200', async () => {
    bus.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const response = await submit(JSON.stringify({ email: 'jane@example.com' }));
    expect(response.statusCode).toBe(202);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('answers 503 with Retry-After when the bus keeps failing: never a 2xx for an unpublished submission', async () => {
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const response = await submit(JSON.stringify({ email: 'jane@example.com' }));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('2');
  });

  describe('custom attributes', () => {
    /** DynamoDB's refusal of a path inside a map the lead does not have. */
    const pathRefused = Object.assign(new Error('The document path provided in the update expression is invalid for update'), { name: 'ValidationException' });
    const knownLead = () => {
      dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'None')).resolves({});
      dynamo.on(GetCommand).resolves({ Item: { leadId: 'lead-1' } });
      noFormDefinition();
      dynamo.on(UpdateCommand).resolves({});
    };

    it('stores typed JSON attributes on a new lead', async () => {
      const response = await submit(JSON.stringify({ email: 'jane@example.com', attributes: { plan: 'pro', seats: 12, trial: true } }));
      expect(response.statusCode).toBe(202);
      const lead = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[1]?.Put?.Item;
      expect(lead?.attributes).toEqual({ plan: 'pro', seats: 12, trial: true });
    });

    it('sets only the attributes a submission names on a known lead, keeping the others', async () => {
      knownLead();
      await submit(JSON.stringify({ email: 'jane@example.com', attributes: { plan: 'enterprise', seats: 40 } }));
      // The lead has its map: the transaction sets entries inside it, and no other write comes first.
      expect(dynamo.commandCalls(UpdateCommand)).toEqual([]);
      const update = dynamo.commandCalls(TransactWriteCommand)[1]?.args[0].input.TransactItems?.find((item) => item.Update)?.Update;
      expect(update?.UpdateExpression).toContain('#attributes.#attr0 = :attr0, #attributes.#attr1 = :attr1');
      expect(update?.UpdateExpression).not.toMatch(/#attributes = /);
      expect(update?.ExpressionAttributeNames).toMatchObject({ '#attributes': 'attributes', '#attr0': 'plan', '#attr1': 'seats' });
      expect(update?.ExpressionAttributeValues).toMatchObject({ ':attr0': 'enterprise', ':attr1': 40 });
    });

    it('gives a lead made from an address alone its attributes map, once the submission is known to be new', async () => {
      knownLead();
      dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'None')).rejectsOnce(pathRefused).resolves({});
      // No record of this submission yet: it is not a repeat, so the map may be made.
      dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1' } }).resolves({});
      const response = await submit(JSON.stringify({ email: 'jane@example.com', attributes: { plan: 'enterprise' } }));
      expect(response.statusCode).toBe(202);
      // An empty map, never replacing an existing one, then the submission's transaction again.
      expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
        expect.objectContaining({ UpdateExpression: 'SET #attributes = :empty', ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#attributes)' }),
      ]);
      expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(3);
    });

    it('answers 409 for a key reused with attributes on a lead made from an address alone, writing nothing', async () => {
      knownLead();
      dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'ConditionalCheckFailed', 'None')).rejectsOnce(pathRefused).resolves({});
      dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1' } }).resolves({ Item: { requestHash: 'another request' } });
      const response = await submit(JSON.stringify({ email: 'jane@example.com', attributes: { plan: 'enterprise' } }), 'application/json', { 'idempotency-key': 'reused' });
      expect(response.statusCode).toBe(409);
      expect(parsed(response).issues[0].field).toBe('idempotency-key');
      expect(dynamo.commandCalls(UpdateCommand)).toEqual([]);
      expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
    });

    it('reads attributes.<name> fields of an HTML form as text, ignoring blank ones', async () => {
      knownLead();
      const response = await submit('email=budi%40example.co.id&attributes.plan=pro&attributes.seats=12&attributes.team=', 'application/x-www-form-urlencoded');
      expect(response.statusCode).toBe(202);
      const update = dynamo.commandCalls(TransactWriteCommand)[1]?.args[0].input.TransactItems?.find((item) => item.Update)?.Update;
      expect(update?.ExpressionAttributeNames).toMatchObject({ '#attr0': 'plan', '#attr1': 'seats' });
      expect(update?.ExpressionAttributeValues).toMatchObject({ ':attr0': 'pro', ':attr1': '12' });
      expect(Object.values(update?.ExpressionAttributeNames ?? {})).not.toContain('team');
    });

    it.each([
      [{ Plan: 'pro' }, 'attributes.Plan'],
      [{ plan: 'x'.repeat(201) }, 'attributes.plan'],
      [{ plan: { tier: 'pro' } }, 'attributes.plan'],
      [{ seats: [1, 2] }, 'attributes.seats'],
      [Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`a${index}`, index])), 'attributes'],
    ])('refuses attributes %j with 400 naming %s, storing nothing', async (attributes, field) => {
      const response = await submit(JSON.stringify({ email: 'jane@example.com', attributes }));
      expect(response.statusCode).toBe(400);
      expect(parsed(response).issues.map((issue: { field: string }) => issue.field)).toContain(field);
      expect(written()).toEqual([]);
    });

    it.each(['Bad-Name', '__proto__'])('refuses an HTML form attribute named %s, naming it', async (name) => {
      const response = await submit(`email=budi%40example.co.id&attributes.${name}=x`, 'application/x-www-form-urlencoded');
      expect(response.statusCode).toBe(400);
      expect(parsed(response).issues[0].field).toBe(`attributes.${name}`);
      expect(written()).toEqual([]);
    });
  });

  it('answers a throttled table with 503 and Retry-After, which the snippet and a browser repeat, and any other fault with a plain 500 with no internals', async () => {
    dynamo.on(TransactWriteCommand).rejects(Object.assign(new Error('Rate exceeded for table leadflow-test'), { name: 'ProvisionedThroughputExceededException' }));
    const busy = await submit(JSON.stringify({ email: 'jane@example.com' }));
    expect({ status: busy.statusCode, retryAfter: busy.headers?.['retry-after'], body: parsed(busy) }).toEqual({
      status: 503,
      retryAfter: '2',
      body: { message: 'A service this request needs is busy (ProvisionedThroughputExceededException); repeat the same request' },
    });
    dynamo.on(TransactWriteCommand).rejects(Object.assign(new Error('Internal error for table leadflow-test'), { name: 'InternalServerError' }));
    const response = await submit(JSON.stringify({ email: 'jane@example.com' }));
    expect(response.statusCode).toBe(500);
    expect(parsed(response)).toEqual({ message: 'Internal Server Error' });
  });
});
