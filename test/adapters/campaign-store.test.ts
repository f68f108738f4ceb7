import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CampaignSendStore } from '../../src/adapters/campaign-sends';
import { CampaignPlans } from '../../src/adapters/campaign-plans';
import { CampaignStore } from '../../src/adapters/campaign-store';
import * as keys from '../../src/adapters/keys';
import { LEAD_LISTING_SHARDS } from '../../src/domain/lead-listing';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
let plans: CampaignPlans;
beforeAll(async () => {
  table = await dynamoDbLocal();
  plans = new CampaignPlans(table.documents, TABLE_NAME);
});

const at = '2026-11-30T10:00:00.000Z';
/** A template as large as marketers make them: rewriting it with every count is what capped sending. */
const largeTemplate = { subject: 'Hi {{ lead.firstName | "there" }}', html: `<p>${'Our webinar is next week. '.repeat(2_000)}</p>` };
const read = async (key: { pk: string; sk: string }) => (await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;

async function sendingCampaign(store: CampaignStore) {
  const { id } = await store.create(randomUUID(), { name: 'Webinar', subscription: 'events', template: largeTemplate }, { audience: {} }, at);
  await store.startSending(id, at);
  return id;
}

describe('campaign counts on DynamoDB Local', () => {
  it('counts every outcome exactly once under concurrent and repeated writes, without writing the campaign item', async () => {
    const store = new CampaignStore(table.documents, TABLE_NAME);
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    const id = await sendingCampaign(store);
    const itemBefore = await read(keys.campaign(id));
    for (const index of LEAD_LISTING_SHARDS.keys()) await plans.recordPlannedPage(id, `s${index}-p0`, 10, index);
    const leadIds = Array.from({ length: 120 }, (_, index) => `lead-${index}`);

    // Every recipient's outcome written twice at once, as a retried batch racing its first delivery would.
    await Promise.all(
      [...leadIds, ...leadIds].map(async (leadId, index) => {
        if (index % 120 < 100) {
          const claim = await sends.claimSend(id, leadId, at);
          if (claim.outcome === 'claimed') await sends.markSent(id, leadId, `m-${leadId}`, at);
        } else {
          await sends.recordSkip(id, leadId, index % 2 ? 'not_opted_in' : 'frequency_cap', at);
        }
      }),
    );
    await Promise.all(leadIds.slice(0, 30).flatMap((leadId) => [sends.recordTracking(id, leadId, 'delivered'), sends.recordTracking(id, leadId, 'delivered')]));

    // The preference centre, which may not read campaigns, counts an unsubscribe once without knowing the layout.
    const preferenceCentre = () => new CampaignSendStore(table.documents, TABLE_NAME);
    expect(await preferenceCentre().recordTracking(id, 'lead-0', 'unsubscribed')).toBe('counted');
    expect(await preferenceCentre().recordTracking(id, 'lead-0', 'unsubscribed')).toBe('already-counted');

    expect(await store.get(id)).toMatchObject({ id, status: 'sending', recipients: LEAD_LISTING_SHARDS.length * 10, planned: true, sent: 100, skipped: 20, skippedByReason: { not_opted_in: 10, frequency_cap: 10 }, delivered: 30, unsubscribed: 1, template: largeTemplate });
    expect(await read(keys.campaign(id))).toEqual(itemBefore);
    // Each send record in its own partition, without an index entry to write: erasure finds it by the campaign's id.
    const record = await read(keys.campaignSend(id, 'lead-0'));
    expect(record).toMatchObject({ status: 'sent', messageId: 'm-lead-0', campaignId: id, leadId: 'lead-0' });
    expect(record).not.toHaveProperty('gsi1pk');
    expect(await read(keys.campaignSend(id, 'lead-100'))).toMatchObject({ status: 'skipped' });
    expect(await read(keys.campaignSend(id, 'lead-100'))).not.toHaveProperty('gsi1pk');
    expect(await read(keys.campaignIdEntry(id))).toMatchObject({ entity: 'campaign-id', createdAt: at });
  });

  it("keeps listing a send under its lead for a campaign created before the campaign ids, as erasure looks for it there", async () => {
    const id = randomUUID();
    await table.documents.send(
      new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.campaign(id), ...keys.campaignListing(at, id), entity: 'campaign', layout: 'sharded', id, name: 'Before', subscription: 'events', template: largeTemplate, audience: {}, status: 'sending', createdAt: at } }),
    );
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    expect(await sends.claimSend(id, 'lead-sent', at)).toEqual({ outcome: 'claimed' });
    await sends.markSent(id, 'lead-sent', 'm-sent', at);
    await sends.recordSkip(id, 'lead-skipped', 'not_opted_in', at);

    expect(await read(keys.campaignSend(id, 'lead-sent'))).toMatchObject({ status: 'sent', ...keys.sendsOfLead('lead-sent', id) });
    expect(await read(keys.campaignSend(id, 'lead-skipped'))).toMatchObject({ status: 'skipped', ...keys.sendsOfLead('lead-skipped', id) });
    expect(await new CampaignStore(table.documents, TABLE_NAME).get(id)).toMatchObject({ sent: 1, skipped: 1 });
  });

  it('records a skip once and, where a record is there already, gives it back (a claim a dead sender left), counting nothing', async () => {
    const store = new CampaignStore(table.documents, TABLE_NAME);
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    const id = await sendingCampaign(store);
    await sends.claimSend(id, 'lead-claimed', at);

    expect(await sends.recordSkip(id, 'lead-new', 'not_opted_in', at)).toEqual({ outcome: 'recorded' });
    expect(await sends.recordSkip(id, 'lead-new', 'not_opted_in', at)).toEqual({ outcome: 'exists', record: { status: 'skipped', reason: 'not_opted_in' } });
    expect(await sends.recordSkip(id, 'lead-claimed', 'not_opted_in', at)).toEqual({ outcome: 'exists', record: { status: 'sending', claimedAt: at } });
    expect(await store.get(id)).toMatchObject({ skipped: 1 });
  });

  it('counts the outcomes recorded at the same moment in shared transactions, not one each', async () => {
    const store = new CampaignStore(table.documents, TABLE_NAME);
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    const id = await sendingCampaign(store);
    const leadIds = Array.from({ length: 150 }, (_, index) => `lead-${index}`);
    for (const leadId of leadIds) await sends.claimSend(id, leadId, at);
    const send = vi.spyOn(table.documents, 'send');
    try {
      await Promise.all(leadIds.map((leadId) => sends.markSent(id, leadId, `m-${leadId}`, at)));
      const transactions = send.mock.calls.filter(([command]) => command instanceof TransactWriteCommand);
      // 99 send records and a counter shard is the most one transaction takes.
      expect(transactions.length).toBeGreaterThanOrEqual(2);
      expect(transactions.length).toBeLessThanOrEqual(4);
    } finally {
      send.mockRestore();
    }
    expect(await store.get(id)).toMatchObject({ sent: 150 });
    expect(await read(keys.campaignSend(id, 'lead-149'))).toMatchObject({ status: 'sent', messageId: 'm-lead-149' });
  });

  it('shows the campaign as the API did: no storage attributes, the counts absent until the first', async () => {
    const store = new CampaignStore(table.documents, TABLE_NAME);
    const id = await sendingCampaign(store);
    const campaign = await store.get(id);
    expect(campaign).toEqual({ id, name: 'Webinar', subscription: 'events', template: largeTemplate, audience: {}, status: 'sending', createdAt: at, sendStartedAt: at, recipients: 0, planned: false, sent: 0, skipped: 0 });
    expect(await new CampaignSendStore(table.documents, TABLE_NAME).getItem(id)).toEqual({ id, name: 'Webinar', subscription: 'events', template: largeTemplate, audience: {}, status: 'sending', createdAt: at, sendStartedAt: at });
  });

  it('keeps a campaign created before the counters were sharded where it was: counts on its item, sends under it', async () => {
    const id = randomUUID();
    await table.documents.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: { ...keys.campaign(id), ...keys.campaignListing(at, id), entity: 'campaign', id, name: 'Old', subscription: 'events', template: largeTemplate, audience: {}, status: 'sending', createdAt: at, recipients: 3, planned: false, sent: 1, skipped: 0, plannedShards: new Set(['shard-0']), plannedPages: new Set(['s0-p0']) },
      }),
    );
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.legacyCampaignSend(id, 'lead-sent'), campaignId: id, leadId: 'lead-sent', status: 'sent' } }));
    // A sender started after the upgrade, in a container that has not read the campaign yet.
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    expect(await sends.claimSend(id, 'lead-sent', at)).toMatchObject({ outcome: 'exists', record: { status: 'sent' } });
    expect(await sends.claimSend(id, 'lead-new', at)).toEqual({ outcome: 'claimed' });
    await sends.markSent(id, 'lead-new', 'm-new', at);
    const store = new CampaignStore(table.documents, TABLE_NAME);
    await plans.recordPlannedPage(id, 's0-p0', 3, 0);

    expect(await new CampaignSendStore(table.documents, TABLE_NAME).recordTracking(id, 'lead-new', 'unsubscribed')).toBe('counted');

    expect(await store.get(id)).toMatchObject({ recipients: 3, sent: 2, skipped: 0, unsubscribed: 1 });
    expect(await read(keys.legacyCampaignSend(id, 'lead-new'))).toMatchObject({ status: 'sent', messageId: 'm-new' });
    const { Items = [] } = await table.documents.send(new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CAMPAIGN#${id}#SEND#lead-new` } }));
    expect(Items).toEqual([]);
  });

  it('starts a round of the plan at a resume: recipients with an outcome kept, every lead planned again, a page of the older round superseded', async () => {
    const store = new CampaignStore(table.documents, TABLE_NAME);
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    const id = await sendingCampaign(store);
    // The first round planned every partition, 10 recipients each; three of them got an outcome.
    for (const shard of LEAD_LISTING_SHARDS.keys()) expect(await plans.recordPlannedPage(id, `s${shard}-p0`, 10, shard)).toBe('recorded');
    for (const leadId of ['lead-sent', 'lead-claimed']) expect(await sends.claimSend(id, leadId, at)).toEqual({ outcome: 'claimed' });
    await sends.markSent(id, 'lead-sent', 'm-1', at);
    await sends.recordSkip(id, 'lead-skipped', 'not_opted_in', at);
    expect(await sends.markInterrupted(id, 'lead-claimed', at)).toBe('counted');
    expect(await sends.claimSend(id, 'lead-in-flight', at)).toEqual({ outcome: 'claimed' });

    const resumedAt = '2026-11-30T11:00:00.000Z';
    expect(await plans.startPlanRound(id, 3, resumedAt)).toEqual({ number: 2, startedAt: resumedAt });
    expect(await store.get(id)).toMatchObject({ recipients: 3, planned: false, sent: 1, skipped: 1, interrupted: 1 });
    // A page the first round was still planning when it was paused counts nothing now, and must publish nothing.
    expect(await plans.recordPlannedPage(id, 's0-p1', 25, 0)).toBe('superseded');

    // Of the leads the round plans, those with an outcome from before it are counted already.
    await sends.markSent(id, 'lead-in-flight', 'm-2', '2026-11-30T11:00:01.000Z');
    const planned = ['lead-sent', 'lead-skipped', 'lead-claimed', 'lead-in-flight', 'lead-new', 'lead-new'];
    expect(await plans.recipientsWithoutOutcome(id, planned, resumedAt)).toEqual(['lead-in-flight', 'lead-new', 'lead-new']);
    expect(await plans.recordPlannedPage(id, 'r2-s0-p0', 2, 0, 2)).toBe('recorded');
    expect(await plans.recordPlannedPage(id, 'r2-s0-p0', 2, 0, 2)).toBe('already-recorded');
    for (const shard of LEAD_LISTING_SHARDS.keys()) if (shard) await plans.recordPlannedPage(id, `r2-s${shard}-p0`, 0, shard, 2);
    expect(await store.get(id)).toMatchObject({ recipients: 5, planned: true, sent: 2, skipped: 1, interrupted: 1 });

    // A resume after another pause starts the third round; the second's pages are superseded in turn.
    expect(await plans.startPlanRound(id, 4, '2026-11-30T12:00:00.000Z')).toEqual({ number: 3, startedAt: '2026-11-30T12:00:00.000Z' });
    expect(await plans.recordPlannedPage(id, 'r2-s1-p1', 7, 1, 2)).toBe('superseded');
    expect(await store.get(id)).toMatchObject({ recipients: 4, planned: false });
  });

  it("keeps a page of the plan as first chosen for its retries, and forgets its recipients once it is published", async () => {
    const id = await sendingCampaign(new CampaignStore(table.documents, TABLE_NAME));
    const first = { leadIds: ['lead-1', 'lead-2'], counted: 2, next: 'cursor-after-lead-2' };
    expect(await plans.keepPage(id, 's0-p0', first)).toEqual(first);
    // A retry that chose again (a lead joined the page meanwhile) is given the first choice to publish.
    expect(await plans.keepPage(id, 's0-p0', { leadIds: ['lead-1', 'lead-1b', 'lead-2'], counted: 3, next: 'cursor-after-lead-1b' })).toEqual(first);
    // A page that ended its partition keeps no cursor; one with no recipient keeps an empty list.
    expect(await plans.keepPage(id, 's1-p4', { leadIds: [], counted: 0 })).toEqual({ leadIds: [], counted: 0 });
    expect(await plans.keepPage(id, 's1-p4', { leadIds: ['lead-9'], counted: 1, next: 'c' })).toEqual({ leadIds: [], counted: 0 });

    const kept = await read(keys.campaignPlanPage(id, 's0-p0'));
    // It lasts as long as a message in the planner's dead-letter queue (14 days), by the table's time to live.
    expect(Number(kept?.expiresAt) - Date.now() / 1000).toBeGreaterThan(14 * 24 * 3600 - 60);
    // Listed while it holds recipients, where an erasure looks for the pages that may hold its lead.
    const listing = keys.keptPageListing(keys.campaignPlanPage(id, 's0-p0'));
    expect(await read(listing)).toMatchObject({ page: keys.campaignPlanPage(id, 's0-p0') });
    await plans.finishPage(id, 's0-p0');
    // Nor where the next page started: a listing key names the last lead listed.
    expect(await read(keys.campaignPlanPage(id, 's0-p0'))).toMatchObject({ finished: true, counted: 2 });
    expect(await read(keys.campaignPlanPage(id, 's0-p0'))).not.toHaveProperty('leadIds');
    expect(await read(keys.campaignPlanPage(id, 's0-p0'))).not.toHaveProperty('next');
    expect(await read(listing)).toBeUndefined();
    // A late delivery of the page's request lists it again before finding it finished, and takes that back.
    expect(await plans.keepPage(id, 's0-p0', first)).toBe('finished');
    expect(await read(listing)).toBeUndefined();
    // A page whose time to live ran out before it was finished leaves nothing to forget.
    await expect(plans.finishPage(id, 's7-p0')).resolves.toBeUndefined();
  });

  it('starts a round on the item of a campaign created before the plan had an item of its own, and shows none of it', async () => {
    const id = randomUUID();
    await table.documents.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: { ...keys.campaign(id), ...keys.campaignListing(at, id), entity: 'campaign', id, name: 'Old', subscription: 'events', template: largeTemplate, audience: {}, status: 'sending', createdAt: at, recipients: 3, sent: 1, skipped: 0, plannedShards: new Set(['shard-0']), plannedPages: new Set(['s0-p0']) },
      }),
    );
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.legacyCampaignSend(id, 'lead-sent'), campaignId: id, leadId: 'lead-sent', status: 'sent', sentAt: at } }));
    const store = new CampaignStore(table.documents, TABLE_NAME);
    expect(await plans.startPlanRound(id, 1, '2026-11-30T11:00:00.000Z')).toEqual({ number: 2, startedAt: '2026-11-30T11:00:00.000Z' });
    expect(await plans.recipientsWithoutOutcome(id, ['lead-sent', 'lead-new'], '2026-11-30T11:00:00.000Z')).toEqual(['lead-new']);
    expect(await plans.recordPlannedPage(id, 'r2-s0-p0', 1, 0, 2)).toBe('recorded');
    const campaign = await store.get(id);
    expect(campaign).toMatchObject({ recipients: 2, planned: false, sent: 1 });
    expect(campaign).not.toHaveProperty('planRound');
    expect(campaign).not.toHaveProperty('planRoundStartedAt');
  });
});
