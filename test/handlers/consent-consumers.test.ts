import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfirmationStore } from '../../src/adapters/confirmation-store';
import { verifyToken } from '../../src/domain/consent/signed-token';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
Object.assign(process.env, { SIGNING_KEYS_SECRET: 'signing-keys', PRIVACY_SALT_SECRET: 'privacy-salt', PUBLIC_BASE_URL: 'https://mail.example.com' });
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const ses = mockClient(SESv2Client);
const ring = { current: 'k1', keys: { k1: 'the-current-signing-key-of-32-bytes!!' } };
let sendConfirmation: (typeof import('../../functions/send-confirmation/handler'))['handler'];
let recordDeliverability: (typeof import('../../functions/record-deliverability/handler'))['handler'];

beforeAll(async () => {
  secrets.on(GetSecretValueCommand, { SecretId: 'signing-keys' }).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  secrets.on(GetSecretValueCommand, { SecretId: 'privacy-salt' }).resolves({ SecretString: 'salt-for-tests' });
  ({ handler: sendConfirmation } = await import('../../functions/send-confirmation/handler'));
  ({ handler: recordDeliverability } = await import('../../functions/record-deliverability/handler'));
});

const lead = (subscriptions: Record<string, string>) => ({ pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'dewi@example.com', firstName: 'Dewi', subscriptions, version: 1 });
const requested = (subscriptions: string[]) => busEnvelope('consent.confirmation-requested', { version: 1, correlationId: 'c', leadId: 'lead-1', subscriptions });

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(BatchGetCommand).resolves({});
  dynamo.on(TransactWriteCommand).resolves({});
  answerLeadReadsFromGets(dynamo);
});

describe('send-confirmation', () => {
  it('emails a confirmation link per pending subscription, signed for that subscription, expiring', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: lead({ newsletter: 'pending', offers: 'opted_in' }) });
    const result = await sendConfirmation(sqsEvent([requested(['newsletter', 'offers'])]), context);
    expect(result.batchItemFailures).toEqual([]);
    const sent = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(sent?.Destination?.ToAddresses).toEqual(['dewi@example.com']);
    const text = sent?.Content?.Simple?.Body?.Text?.Data ?? '';
    const links = [...text.matchAll(/https:\/\/mail\.example\.com\/v1\/subscriptions\/confirm\?token=(\S+)/g)].map((match) => decodeURIComponent(match[1] ?? ''));
    expect(new Set(links).size).toBe(1);
    const check = verifyToken(ring, 'confirmation', links[0] ?? '', Math.floor(Date.now() / 1000));
    expect(check).toMatchObject({ valid: true, claims: { leadId: 'lead-1', subscription: 'newsletter', expiresAt: expect.any(Number) } });
  });

  it('sends nothing to a suppressed address or when nothing is pending any more', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: lead({ newsletter: 'opted_in' }) });
    await sendConfirmation(sqsEvent([requested(['newsletter'])]), context);
    dynamo.reset();
    dynamo.on(BatchGetCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => (input.Key.pk.startsWith('SUPPRESSED#') ? { Item: { reason: 'hard_bounce' } } : { Item: lead({ newsletter: 'pending' }) }));
    await sendConfirmation(sqsEvent([requested(['newsletter'])]), context);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('leaves a record for retry when SES throttles', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: lead({ newsletter: 'pending' }) });
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' }));
    expect((await sendConfirmation(sqsEvent([requested(['newsletter'])]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
  });
});

describe('send-confirmation limits: the public form cannot make us mail an address again and again', () => {
  let table: TableFake;
  const confirmLinks = (index: number) => {
    const text = ses.commandCalls(SendEmailCommand)[index]?.args[0].input.Content?.Simple?.Body?.Text?.Data ?? '';
    return [...text.matchAll(/confirm\?token=(\S+)/g)].map((match) => verifyToken(ring, 'confirmation', decodeURIComponent(match[1] ?? ''), Math.floor(Date.now() / 1000)));
  };
  const subscriptionsLinked = (index: number) => [...new Set(confirmLinks(index).map((check) => (check.valid ? check.claims.subscription : 'invalid')))];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T08:00:00Z'));
    dynamo.reset();
    table = new TableFake();
    table.attach(dynamo);
    table.put(lead({ newsletter: 'pending', offers: 'pending' }));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends one email for ten requests of a type within the window, concurrent or one after another', async () => {
    const concurrent = await sendConfirmation(sqsEvent(Array.from({ length: 5 }, () => requested(['newsletter']))), context);
    // The duplicates that found the first one's claim still sending come back later and find it sent.
    expect(concurrent.batchItemFailures.length).toBeLessThanOrEqual(4);
    expect((await sendConfirmation(sqsEvent(concurrent.batchItemFailures.map(() => requested(['newsletter']))), context)).batchItemFailures).toEqual([]);
    for (let request = 0; request < 5; request += 1) {
      vi.setSystemTime(new Date(Date.parse('2026-11-30T08:00:00Z') + (request + 1) * 3_600_000));
      expect((await sendConfirmation(sqsEvent([requested(['newsletter'])]), context)).batchItemFailures).toEqual([]);
    }
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(subscriptionsLinked(0)).toEqual(['newsletter']);
  });

  it('gives another type its own email within the window, without the type already sent', async () => {
    await sendConfirmation(sqsEvent([requested(['newsletter'])]), context);
    await sendConfirmation(sqsEvent([requested(['newsletter', 'offers'])]), context);
    await sendConfirmation(sqsEvent([requested(['newsletter', 'offers'])]), context);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect(subscriptionsLinked(1)).toEqual(['offers']);
  });

  it('sends the type again once its window has passed', async () => {
    await sendConfirmation(sqsEvent([requested(['newsletter'])]), context);
    vi.setSystemTime(new Date('2026-12-01T07:59:59Z'));
    await sendConfirmation(sqsEvent([requested(['newsletter'])]), context);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    vi.setSystemTime(new Date('2026-12-01T08:00:00Z'));
    await sendConfirmation(sqsEvent([requested(['newsletter'])]), context);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect(subscriptionsLinked(1)).toEqual(['newsletter']);
  });

  it('waits for a claim a crash left sending to go stale, then sends it: the confirmation is late, never lost', async () => {
    table.put({ pk: 'LEAD#lead-1', sk: 'CONFIRMATION#newsletter', entity: 'confirmation', subscription: 'newsletter', leadId: 'lead-1', status: 'sending', token: 'dead', claimedAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 86_400 });
    expect((await sendConfirmation(sqsEvent([requested(['newsletter'])]), context)).batchItemFailures).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    vi.setSystemTime(new Date(Date.now() + 151_000));
    expect((await sendConfirmation(sqsEvent([requested(['newsletter'])]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'CONFIRMATION#newsletter' })).toMatchObject({ status: 'sent' });
  });

  it('gives the claim back when SES fails, so the retry sends', async () => {
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' })).resolves({ MessageId: 'ses-2' });
    expect((await sendConfirmation(sqsEvent([requested(['newsletter'])]), context)).batchItemFailures).toHaveLength(1);
    expect((await sendConfirmation(sqsEvent([requested(['newsletter'])]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'CONFIRMATION#newsletter' })).toMatchObject({ status: 'sent', messageId: 'ses-2' });
  });

  it('keeps its records under the lead, expiring (TTL) when the window ends', async () => {
    await sendConfirmation(sqsEvent([requested(['newsletter'])]), context);
    const records = [...table.items.values()].filter((item) => String(item.sk).startsWith('CONFIRMATION'));
    expect(records.map((item) => [item.pk, item.sk])).toEqual([['LEAD#lead-1', 'CONFIRMATION#newsletter'], ['LEAD#lead-1', 'CONFIRMATION_QUOTA#0']]);
    for (const item of records) expect(item.expiresAt).toBe(Date.parse('2026-12-01T08:00:00Z') / 1000);
  });

  it('caps an address at three confirmation emails in any 24 hours, whatever their types', async () => {
    const store = new ConfirmationStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'leadflow-test', 150_000);
    const at = (hours: number) => new Date(Date.parse('2026-11-30T08:00:00Z') + hours * 3_600_000);
    const claimed = async (type: string, hours: number) => {
      const claim = await store.claim('lead-1', [type], at(hours));
      if (claim.outcome === 'claimed') await store.markSent(claim, `m-${type}`, at(hours));
      return claim.outcome;
    };
    expect(await claimed('a', 0)).toBe('claimed');
    expect(await claimed('b', 1)).toBe('claimed');
    expect(await claimed('c', 2)).toBe('claimed');
    expect(await claimed('d', 3)).toBe('address-limit');
    expect(await claimed('a', 4)).toBe('already-sent');
    // The first email's window has ended: its place in the quota is free, the others' are not.
    expect(await claimed('d', 24)).toBe('claimed');
    expect(await claimed('e', 24)).toBe('address-limit');
  });
});

describe('record-deliverability', () => {
  const sesEvent = (detail: unknown) => JSON.stringify({ version: '0', 'detail-type': 'Email Bounced', source: 'aws.ses', time: '2026-11-23T10:00:00Z', detail });
  const permanent = (email: string) => sesEvent({ eventType: 'Bounce', mail: { messageId: 'm-1' }, bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: email }] } });

  it('suppresses on a permanent bounce, keyed by the salted hash, and fails only the record whose write failed', async () => {
    dynamo.on(PutCommand).callsFake((input: { Item: { email?: string } }) => {
      if (input.Item.email === 'slow@example.com') throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
      return {};
    });
    const result = await recordDeliverability(sqsEvent([permanent('gone@example.com'), permanent('slow@example.com'), '{"detail":{}}']), context);
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['message-1', 'message-2']);
    const item = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item).find((entry) => entry?.email === 'gone@example.com');
    expect(item).toMatchObject({ reason: 'hard_bounce', entity: 'suppression' });
    expect(String(item?.pk)).toMatch(/^SUPPRESSED#[A-Za-z0-9_-]{43}$/);
  });
});
