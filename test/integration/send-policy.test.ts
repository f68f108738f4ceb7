import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { MarketingSendLedgerStore, POLICY_TTL_MS } from '../../src/adapters/send-policy-store';
import { eventually, stackClient } from './helpers';
import { sharedStack } from './shared-stack';

/**
 * The send-time policy on the local stack: set through the admin API, it holds a lead at its
 * frequency cap out of a campaign, and the campaign report says why.
 */
let stack: LocalStack;
let documents: DynamoDBDocumentClient;
const { admin, post, mails } = stackClient(() => stack);
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  stack = await sharedStack();
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
});

afterAll(async () => {
  // Other files share this stack: they send under no policy.
  if (stack) expect((await admin('PUT', '/v1/admin/settings/send-policy', {})).status).toBe(200);
  documents?.destroy();
});

async function subscriber(name: string) {
  const email = `${name}-${run}@example.com`;
  const response = await post('/v1/forms/events/submissions', { email, firstName: name, industry: `Policy ${run}`, consent: ['events'] });
  expect(response.status).toBe(202);
  return { email, leadId: ((await response.json()) as { leadId: string }).leadId };
}

describe('the send-time policy on the local stack', () => {
  it('skips a lead at its frequency cap, counted with its reason in the campaign report, and mails the rest', async () => {
    const refused = await admin('PUT', '/v1/admin/settings/send-policy', { frequencyCap: { maxEmails: 2, periodDays: 7 }, quietHours: { start: '21:00', end: '25:00' } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { issues: { field: string }[] }).issues.map((issue) => issue.field)).toEqual(['quietHours.end']);

    const saved = await admin('PUT', '/v1/admin/settings/send-policy', { frequencyCap: { maxEmails: 2, periodDays: 7 } });
    expect(saved.status).toBe(200);
    // A sender keeps the policy it read for POLICY_TTL_MS: one that read the open policy just before
    // (another file's campaign on this stack) still sends under it until then.
    const policyHoldsFrom = Date.now() + POLICY_TTL_MS;
    expect(await (await admin('GET', '/v1/admin/settings/send-policy')).json()).toMatchObject({ frequencyCap: { maxEmails: 2, periodDays: 7 }, defaultTimeZone: 'UTC' });

    const capped = await subscriber('capped');
    const open = await subscriber('open');
    // Two marketing emails this week already (a campaign and a journey step).
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    expect(await new MarketingSendLedgerStore(documents, stack.settings.tableName).write(capped.leadId, [{ key: `campaign:${randomUUID()}`, at: yesterday }, { key: 'journey:e-1:s-1', at: yesterday }], 0)).toBe(true);

    const created = await admin('POST', '/v1/admin/campaigns', { name: `Capped ${run}`, subscription: 'events', segment: { lead: { industry: [`Policy ${run}`] } }, template: { subject: `Policy ${run}`, html: '<p>Hello</p>' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, policyHoldsFrom - Date.now())));
    expect((await admin('POST', `/v1/admin/campaigns/${id}/send`)).status).toBe(202);

    const report = await eventually(async () => {
      const current = (await (await admin('GET', `/v1/admin/campaigns/${id}/report`)).json()) as { status: string; sent: number; skipped: number; skippedByReason: Record<string, number> };
      return current.status === 'sent' ? current : undefined;
    }, 45_000);
    expect(report).toMatchObject({ sent: 1, skipped: 1, skippedByReason: { frequency_cap: 1 } });
    const received = (await mails()).filter((mail) => mail.subject === `Policy ${run}`).flatMap((mail) => mail.destination.to);
    expect(received).toEqual([open.email]);
  });
});
