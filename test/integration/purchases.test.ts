import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * Purchase history and custom attributes on the local stack: a CRM import by email, the lead's RFM
 * profile read back, a repeated import that changes nothing, then export and erasure of it all.
 */
let stack: LocalStack;
const { admin, post } = stackClient(() => stack);

beforeAll(async () => {
  stack = await sharedStack();
});

interface LeadPage {
  attributes: Record<string, unknown>;
  purchases: { count: number; total: number; currency?: string; recency: number; frequency: number; monetary: number; rfmSegment: string; lifetimeValue: number; daysSinceLastPurchase?: number };
}
const readLead = async (leadId: string) => {
  const response = await admin('GET', `/v1/admin/leads/${leadId}`);
  expect(response.status).toBe(200);
  return (await response.json()) as LeadPage;
};
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

async function everyItem(): Promise<string[]> {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
  const items: string[] = [];
  for await (const page of paginateScan({ client: documents }, { TableName: stack.settings.tableName })) {
    items.push(...(page.Items ?? []).map((item) => JSON.stringify(item, (_key, value: unknown) => (value instanceof Set ? [...value] : value))));
  }
  return items;
}

describe('purchases and attributes on the local stack', () => {
  it('records purchases once, shows the RFM profile, exports and erases them', async () => {
    const email = `buyer-${randomUUID()}@example.com`;
    const order = (suffix: string) => `order-${randomUUID().slice(0, 8)}-${suffix}`;
    const [first, second, euro] = [order('1'), order('2'), order('3')];

    // A form sets typed attributes; a later HTML form adds one more and keeps the others.
    const submitted = await post('/v1/forms/signup/submissions', { email, attributes: { plan: 'pro', trial: true } });
    expect(submitted.status).toBe(202);
    const { leadId } = (await submitted.json()) as { leadId: string };
    const htmlForm = await fetch(`${stack.apiUrl}/v1/forms/signup/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, 'attributes.seats': '12', 'attributes.plan': 'enterprise' }).toString(),
    });
    expect(htmlForm.status).toBe(202);
    expect((await readLead(leadId)).attributes).toEqual({ plan: 'enterprise', trial: true, seats: '12' });

    const batch = {
      purchases: [
        { orderId: first, email, product: 'Pro plan', amount: 300, currency: 'usd', purchasedAt: daysAgo(20), paymentMethod: 'card' },
        { orderId: second, email: email.toUpperCase(), product: 'Seats', amount: 250.5, currency: 'USD', purchasedAt: daysAgo(5), quantity: 3 },
        { orderId: euro, leadId, product: 'Add-on', amount: 10, currency: 'EUR', purchasedAt: daysAgo(1) },
        { orderId: first, email, product: 'Pro plan', amount: 300, currency: 'USD', purchasedAt: daysAgo(20) },
      ],
    };
    const recorded = await admin('POST', '/v1/admin/purchases', batch);
    expect(recorded.status).toBe(200);
    expect(((await recorded.json()) as { purchases: { status: string; leadId?: string }[] }).purchases).toEqual([
      { orderId: first, status: 'recorded', leadId },
      { orderId: second, status: 'recorded', leadId },
      expect.objectContaining({ orderId: euro, status: 'currency_mismatch' }),
      { orderId: first, status: 'duplicate' },
    ]);

    const profile = (await readLead(leadId)).purchases;
    expect(profile).toMatchObject({ count: 2, total: 550.5, lifetimeValue: 550.5, currency: 'USD', daysSinceLastPurchase: 5, recency: 5, frequency: 2, monetary: 3, rfmSegment: 'potential_loyalists' });

    const repeated = await admin('POST', '/v1/admin/purchases', batch);
    expect(await repeated.json()).toMatchObject({ recorded: 0, duplicates: 3, refused: 1 });
    expect((await readLead(leadId)).purchases).toEqual(profile);

    const exported = await admin('GET', `/v1/admin/leads/${leadId}/export`);
    const records = ((await exported.json()) as { records: Record<string, { orderId?: string }[]> }).records;
    expect(records.purchase?.map((purchase) => purchase.orderId).sort()).toEqual([first, second].sort());

    expect((await admin('DELETE', `/v1/admin/leads/${leadId}`)).status).toBe(200);
    const leftovers = (await everyItem()).filter((item) => item.includes(leadId) || item.includes(email) || item.includes(first) || item.includes(second));
    expect(leftovers).toEqual([]);
  });

  it('refuses an invalid batch with 400 naming the field, storing nothing', async () => {
    const orderId = `order-${randomUUID()}`;
    const response = await admin('POST', '/v1/admin/purchases', {
      purchases: [
        { orderId, email: `x-${randomUUID()}@example.com`, product: 'A', amount: 5, currency: 'USD', purchasedAt: daysAgo(1) },
        { orderId: `${orderId}-b`, email: 'y@example.com', product: 'B', amount: -5, currency: 'USD', purchasedAt: daysAgo(1) },
      ],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { issues: { field: string }[] }).issues.map((issue) => issue.field)).toEqual(['purchases[1].amount']);
    expect((await everyItem()).filter((item) => item.includes(orderId))).toEqual([]);
  });
});
