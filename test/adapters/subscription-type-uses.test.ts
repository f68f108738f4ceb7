import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConsentStore } from '../../src/adapters/consent-store';
import * as keys from '../../src/adapters/keys';
import { SubscriptionTypeUseStore } from '../../src/adapters/subscription-type-uses';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});

const LEAD_ID = 'c3a1f2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b';
const put = (item: Record<string, unknown>) => table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: item }));

describe('what names a subscription type, read from DynamoDB Local', () => {
  it('finds a consent record through the index by type, and a journey version, a form version, a campaign and a segment naming it', async () => {
    const uses = new SubscriptionTypeUseStore(table.documents, TABLE_NAME);
    expect(await uses.of('case_studies')).toEqual([]);

    await put({ ...keys.lead(LEAD_ID), id: LEAD_ID, email: 'reader@example.com', subscriptions: {}, version: 1 });
    const at = '2026-11-30T20:00:00.000Z';
    await new ConsentStore(table.documents, TABLE_NAME).recordConsentChange(LEAD_ID, { subscriptions: { case_studies: 'opted_out' }, records: [{ subscription: 'case_studies', status: 'opted_out', at, method: 'preference_centre' }] }, 'req-1');
    expect(await uses.of('case_studies')).toEqual([{ kind: 'consent_records' }]);
    expect(await uses.of('events')).toEqual([]);

    await put({ ...keys.journey('j1'), ...keys.journeyListing(at, 'j1'), id: 'j1', name: 'Onboarding', draft: { steps: [] } });
    await put({ ...keys.journeyVersion('j1', 1), definition: { steps: [{ id: 'hello', type: 'send_email', subscription: 'events' }] } });
    await put({ ...keys.form('contact'), ...keys.formListing(at, 'contact'), formId: 'contact', title: 'Contact us', definition: { consents: [] } });
    await put({ ...keys.formVersion('contact', 1), definition: { consents: [{ subscription: 'events' }] } });
    await put({ ...keys.campaign('c1'), ...keys.campaignListing(at, 'c1'), id: 'c1', name: 'Spring', subscription: 'newsletter', audience: { where: { lead: { subscriptions: { events: ['opted_in'] } } } } });
    await put({ ...keys.segment('s1'), ...keys.segmentListing(at, 's1'), id: 's1', name: 'Readers', where: { lead: { industry: ['SaaS'] } } });

    expect(await uses.of('events')).toEqual([
      { kind: 'campaign', id: 'c1', name: 'Spring' },
      { kind: 'journey', id: 'j1', name: 'Onboarding' },
      { kind: 'form', id: 'contact', name: 'Contact us' },
    ]);
  });
});
