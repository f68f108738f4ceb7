import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConsentIndexStore } from '../../src/adapters/consent-index';
import * as keys from '../../src/adapters/keys';
import { SubscriptionTypeUseStore } from '../../src/adapters/subscription-type-uses';
import { ConsentIndexBackfill } from '../../src/app/consent-index-backfill';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});

const OLD_READER = 'a1b2c3d4-0000-4000-8000-000000000001';
const NEW_READER = '5e6f7a8b-0000-4000-8000-000000000002';
const NOW = '2026-12-01T04:00:00.000Z';
const put = (item: Record<string, unknown>) => table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: item }));
const lead = (leadId: string) => put({ ...keys.lead(leadId), ...keys.leadListing(leadId), entity: 'lead', id: leadId, email: `${leadId.slice(0, 4)}@example.com`, subscriptions: {}, version: 1 });

describe('the consent index backfill on DynamoDB Local', () => {
  it('gives a record saved before the index its entry by type, which the delete check then finds; again, it writes nothing', async () => {
    const at = '2025-03-01T10:00:00.000Z';
    await lead(OLD_READER);
    await lead(NEW_READER);
    // Saved before the index by type: no gsi1 keys.
    await put({ ...keys.consent(OLD_READER, at, 'offers', 'form-1'), entity: 'consent', subscription: 'offers', status: 'opted_in', at, method: 'form' });
    const later = '2026-11-30T10:00:00.000Z';
    await put({ ...keys.consent(NEW_READER, later, 'events', 'form-1'), ...keys.consentOfType('events', NEW_READER, later), entity: 'consent', subscription: 'events', status: 'opted_in', at: later, method: 'form' });

    const uses = new SubscriptionTypeUseStore(table.documents, TABLE_NAME);
    expect(await uses.of('offers')).toEqual([]);
    expect(await uses.consentsIndexFilled()).toBe(false);

    const backfill = new ConsentIndexBackfill(new ConsentIndexStore(table.documents, TABLE_NAME));
    expect(await backfill.page(undefined, NOW)).toEqual({ scanned: 2, indexed: 1 });
    expect(await uses.of('offers')).toEqual([{ kind: 'consent_records' }]);
    expect(await uses.consentsIndexFilled()).toBe(true);
    const { Item } = await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: keys.consent(OLD_READER, at, 'offers', 'form-1') }));
    expect(Item).toMatchObject({ ...keys.consentOfType('offers', OLD_READER, at), status: 'opted_in', method: 'form' });

    expect(await backfill.page(undefined, NOW)).toEqual({ scanned: 2, indexed: 0 });
  });
});
