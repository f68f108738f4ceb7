import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyToken } from '../../shared/domain/consent/signed-token';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';

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
