import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { addressOnlyLead, createLeadWrites } from '../../src/adapters/lead-items';
import { type Submission, SubmissionStore } from '../../src/adapters/submission-store';
import { transactWrite } from '../../src/adapters/transactions';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const AT = '2026-12-03T12:00:00.000Z';

/** A lead made from an address alone (a chat, a tracked event): it has no custom attributes map. */
async function addressOnly(email: string) {
  const lead = addressOnlyLead(email, { at: AT });
  await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
  return lead.id;
}

const submission = (email: string, id: string, requestHash: string, attributes?: Submission['attributes']): Submission => ({
  email,
  profile: {},
  ...(attributes ? { attributes } : {}),
  touch: { at: AT, formId: 'demo' },
  consents: [],
  event: { id, type: 'form_submission', occurredAt: AT, receivedAt: AT, recordedAt: AT, properties: { formId: 'demo' }, requestHash },
});

const leadItem = async (leadId: string) => (await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: keys.lead(leadId), ConsistentRead: true }))).Item;

describe('SubmissionStore on DynamoDB Local', () => {
  it('sets custom attributes on a lead that had none', async () => {
    const email = 'attributes-first@example.com';
    const leadId = await addressOnly(email);
    const store = new SubmissionStore(table.documents, TABLE_NAME);
    expect(await store.captureSubmission(submission(email, 'sub-a', 'hash-a', { plan: 'pro' }))).toEqual({ leadId, created: false, duplicate: false });
    expect((await leadItem(leadId))?.attributes).toEqual({ plan: 'pro' });
  });

  it('changes nothing for an idempotency key reused with attributes, on a lead that had none', async () => {
    const email = 'attributes-reused@example.com';
    const leadId = await addressOnly(email);
    const store = new SubmissionStore(table.documents, TABLE_NAME);
    expect(await store.captureSubmission(submission(email, 'sub-b', 'hash-b'))).toEqual({ leadId, created: false, duplicate: false });
    const stored = await leadItem(leadId);
    expect(stored?.attributes).toBeUndefined();

    expect(await store.captureSubmission(submission(email, 'sub-b', 'hash-other', { plan: 'pro' }))).toEqual({ leadId, created: false, duplicate: true, conflict: true });
    expect(await store.captureSubmission(submission(email, 'sub-b', 'hash-b'))).toEqual({ leadId, created: false, duplicate: true });
    expect(await leadItem(leadId)).toEqual(stored);
  });
});
