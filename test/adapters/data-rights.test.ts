import { DeleteCommand, GetCommand, paginateScan, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { AlertStore } from '../../src/adapters/alert-store';
import { CampaignSendStore } from '../../src/adapters/campaign-sends';
import { CareStore } from '../../src/adapters/care-store';
import { FollowUpStore } from '../../src/adapters/follow-up-store';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { DataRights } from '../../src/adapters/data-rights';
import { KeptPages } from '../../src/adapters/kept-pages';
import * as keys from '../../src/adapters/keys';
import { addressOnlyLead, createLeadWrites } from '../../src/adapters/lead-items';
import { LeadStore } from '../../src/adapters/lead-store';
import { queryAll } from '../../src/adapters/query-pages';
import { transactWrite } from '../../src/adapters/transactions';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const AT = '2026-12-02T22:44:40.000Z';

const partitionItems = (pk: string) => queryAll(table.documents, { tableName: TABLE_NAME, key: pk }, (item) => item);
/** Every item of the table that carries `leadId` anywhere in it. */
const itemsNaming = async (leadId: string) => {
  const naming: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: table.documents }, { TableName: TABLE_NAME })) naming.push(...(page.Items ?? []).filter((item) => JSON.stringify(item).includes(leadId)));
  return naming;
};

describe("a lead's erasure", () => {
  it('also deletes what work under way wrote under the lead after its holdings were read, and that work cannot put it back', async () => {
    const lead = addressOnlyLead('erased-meanwhile@example.com', { at: AT });
    await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.consent(lead.id, AT, 'newsletter', 'form'), entity: 'consent', leadId: lead.id } }));
    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    const holdings = (await rights.holdings(lead.id)) ?? expect.fail('the lead has holdings');

    // A qualification's alert claimed between the holdings' read and the deletes (as a busy stack did in CI).
    const alerts = new AlertStore(table.documents, TABLE_NAME, 60_000);
    const qualification = { leadId: lead.id, rulesetVersion: 'starter-1', qualification: 1 };
    const claim = await alerts.claim(qualification, new Date(AT));
    if (claim.outcome !== 'claimed') expect.fail(`the alert is claimed, not ${claim.outcome}`);

    await rights.erase(holdings, []);

    expect(await partitionItems(keys.lead(lead.id).pk)).toEqual([]);
    // The alert's sender, done with its email, cannot mark a claim the erasure deleted: nothing comes back.
    await expect(alerts.markSent(qualification, claim.token, 'ses-1', new Date(AT))).rejects.toThrow();
    expect(await partitionItems(keys.lead(lead.id).pk)).toEqual([]);
  });
});

describe('a follow-up email under way when its lead is erased', () => {
  it('ends a claim still there, and does not write back one the erasure deleted', async () => {
    const steps = new FollowUpStore(table.documents, TABLE_NAME, 60_000);
    const keyOfLead = (leadId: string) => ({ leadId, rulesetVersion: 'starter-1', qualification: 1, round: 0 });
    const [kept, erased] = [keyOfLead(randomUUID()), keyOfLead(randomUUID())];
    for (const key of [kept, erased]) expect(await steps.claim(key, 'remind', 'reminded', 'ana', AT)).toBe('claimed');
    // The erasure deletes the lead's partition while the reminder is being sent.
    await table.documents.send(new DeleteCommand({ TableName: TABLE_NAME, Key: keys.followUp(erased.leadId, 'starter-1', 1, 0, 'remind') }));

    expect(await steps.markDone(kept, 'remind', AT)).toBe('done');
    expect(await steps.markDone(erased, 'remind', AT)).toBe('claim-gone');
    expect(await steps.get(kept, 'remind')).toMatchObject({ status: 'done' });
    expect(await partitionItems(keys.lead(erased.leadId).pk)).toEqual([]);
  });
});

describe("a lead's campaign sends", () => {
  const campaignItem = (id: string, layout?: string) => ({ ...keys.campaign(id), ...keys.campaignListing(AT, id), entity: 'campaign', ...(layout ? { layout } : {}), id, name: id, subscription: 'events', template: { subject: 'Hi', html: '<p>Hi</p>' }, audience: {}, status: 'sending', createdAt: AT });
  const read = async (key: Record<string, unknown>) => (await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;

  it('are exported and erased in every layout: by campaign id now, by the index for campaigns created before', async () => {
    const lead = addressOnlyLead(`sent-to-${randomUUID()}@example.com`, { at: AT });
    await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    // A campaign created now, sending to the lead and to someone else.
    const { id: current } = await new CampaignStore(table.documents, TABLE_NAME).create(randomUUID(), { name: 'Now', subscription: 'events', template: { subject: 'Hi', html: '<p>Hi</p>' } }, { audience: {} }, AT);
    expect(await sends.claimSend(current, lead.id, AT)).toEqual({ outcome: 'claimed' });
    await sends.markSent(current, lead.id, 'm-current', AT);
    expect(await sends.recordTracking(current, lead.id, 'opened')).toBe('counted');
    expect(await sends.claimSend(current, 'someone-else', AT)).toEqual({ outcome: 'claimed' });
    // One created before the campaign ids (sends listed under the lead), one before the counters were sharded.
    const [sharded, legacy] = [randomUUID(), randomUUID()];
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: campaignItem(sharded, 'sharded') }));
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: campaignItem(legacy) }));
    await sends.recordSkip(sharded, lead.id, 'frequency_cap', AT);
    expect(await sends.claimSend(legacy, lead.id, AT)).toEqual({ outcome: 'claimed' });
    await sends.markSent(legacy, lead.id, 'm-legacy', AT);

    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    const holdings = (await rights.holdings(lead.id)) ?? expect.fail('the lead has holdings');
    const exported = DataRights.exportOf(holdings, AT).records['campaign-send'] ?? [];
    expect(exported.map((send) => [send.campaignId, send.status]).sort()).toEqual([[current, 'sent'], [sharded, 'skipped'], [legacy, 'sent']].sort());
    expect(exported.every((send) => send.leadId === lead.id)).toBe(true);
    // What SES reported is kept as a set; the export, sent as JSON, lists it.
    expect(JSON.parse(JSON.stringify(exported.find((send) => send.campaignId === current)))).toMatchObject({ messageId: 'm-current', tracked: ['opened'] });

    await rights.erase(holdings, []);
    for (const key of [keys.campaignSend(current, lead.id), keys.campaignSend(sharded, lead.id), keys.legacyCampaignSend(legacy, lead.id)]) expect(await read(key), key.pk).toBeUndefined();
    expect(await read(keys.campaignSend(current, 'someone-else'))).toMatchObject({ leadId: 'someone-else' });

    // The campaign's sender reaches the erased lead later (it was planned before): its skip is counted once, and names it nowhere.
    await sends.recordSkip(current, lead.id, 'no_lead', AT);
    await new CampaignSendStore(table.documents, TABLE_NAME).recordSkip(current, lead.id, 'no_lead', AT);
    expect(await new CampaignStore(table.documents, TABLE_NAME).get(current)).toMatchObject({ sent: 1, skipped: 1, skippedByReason: { no_lead: 1 } });
    expect(await itemsNaming(lead.id)).toEqual([]);
  });
});

describe("a lead's help-desk requester ids", () => {
  it('are exported and erased; one the desk has since moved to another lead stays with it', async () => {
    const lead = addressOnlyLead(`asks-${randomUUID()}@example.com`, { at: AT });
    await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    const care = new CareStore(table.documents, TABLE_NAME);
    const [kept, moved] = [`zd-${randomUUID()}`, `zd-${randomUUID()}`];
    await care.rememberRequester('zendesk', kept, lead.id, AT);
    await care.rememberRequester('zendesk', moved, lead.id, AT);
    await care.rememberRequester('zendesk', moved, 'another-lead', AT);

    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    const holdings = (await rights.holdings(lead.id)) ?? expect.fail('the lead has holdings');
    expect(DataRights.exportOf(holdings, AT).records['help-desk-requester']).toEqual([expect.objectContaining({ kind: 'zendesk', requesterId: kept, leadId: lead.id })]);

    await rights.erase(holdings, []);
    expect(await care.leadIdForRequester('zendesk', kept)).toBeUndefined();
    expect(await care.leadIdForRequester('zendesk', moved)).toBe('another-lead');
  });
});

describe("an erasure's sweep", () => {
  const put = (item: Record<string, unknown>) => table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: item }));

  it('deletes what work that read the lead before its erasure wrote under its id after, and nothing of anyone else', async () => {
    const [lead, other] = [addressOnlyLead(`swept-${randomUUID()}@example.com`, { at: AT }), addressOnlyLead(`stays-${randomUUID()}@example.com`, { at: AT })];
    for (const created of [lead, other]) await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, created));
    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    await rights.erase((await rights.holdings(lead.id)) ?? expect.fail('the lead has holdings'), []);

    // Each as the writer would, having read the lead a moment before the erasure: a campaign's claim of
    // its send (and the same for the other lead), a journey's enrolment and a frequency-cap ledger
    // under the lead's partition, a rescoring job's marker, a help desk's requester id, a purchase, and
    // a profile recreated without its address by an unconditioned update.
    const { id: campaignId } = await new CampaignStore(table.documents, TABLE_NAME).create(randomUUID(), { name: 'Late', subscription: 'events', template: { subject: 'Hi', html: '<p>Hi</p>' } }, { audience: {} }, AT);
    const sends = new CampaignSendStore(table.documents, TABLE_NAME);
    for (const leadId of [lead.id, other.id]) expect(await sends.claimSend(campaignId, leadId, AT)).toEqual({ outcome: 'claimed' });
    for (const leadId of [lead.id, other.id]) await put({ ...keys.enrolment(leadId, 'j-1'), entity: 'enrolment', leadId, journeyId: 'j-1' });
    await put({ ...keys.marketingSends(lead.id), entity: 'send-ledger', sends: [AT] });
    const rescored = keys.leadRescored(`job-${randomUUID()}`, lead.id);
    await put({ ...rescored, entity: 'rescored' });
    await new CareStore(table.documents, TABLE_NAME).rememberRequester('zendesk', `zd-${randomUUID()}`, lead.id, AT);
    const orderId = `order-${randomUUID()}`;
    await put({ ...keys.purchase(orderId), ...keys.purchasesOfLead(lead.id, AT, orderId), entity: 'purchase', leadId: lead.id });
    await put({ ...keys.lead(lead.id), version: 2 });
    expect(await itemsNaming(lead.id)).toHaveLength(7);
    const othersBefore = await itemsNaming(other.id);
    expect(othersBefore.map((item) => item.entity)).toEqual(expect.arrayContaining(['campaign-send', 'enrolment', 'lead']));

    expect(await rights.sweepErased(lead.id, [rescored, keys.leadRescored('job-without-this-lead', lead.id)])).toBe(7);
    expect(await itemsNaming(lead.id)).toEqual([]);
    // Another lead's send, enrolment and profile stay; a second sweep finds nothing.
    expect(await itemsNaming(other.id)).toEqual(othersBefore);
    expect(await rights.sweepErased(lead.id, [rescored])).toBe(0);
  });

  it('deletes nothing while the lead is there: an erasure that stopped before its profile went, to be run again', async () => {
    const lead = addressOnlyLead(`not-erased-${randomUUID()}@example.com`, { at: AT });
    await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    await put({ ...keys.enrolment(lead.id, 'j-1'), entity: 'enrolment', leadId: lead.id, journeyId: 'j-1' });
    const before = await itemsNaming(lead.id);

    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    expect(await rights.sweepErased(lead.id, [])).toBe('lead-present');
    expect(await itemsNaming(lead.id)).toEqual(before);
  });
});

describe('pages of a plan or a rescoring kept and not yet published when their lead is erased', () => {
  const twoLeads = async () => {
    const created = [addressOnlyLead(`paged-${randomUUID()}@example.com`, { at: AT }), addressOnlyLead(`paged-too-${randomUUID()}@example.com`, { at: AT })] as const;
    for (const lead of created) await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    return created;
  };

  it("hold the erased lead's id no more: its place names the lead gone, and each page still publishes what it counted", async () => {
    const [lead, other] = await twoLeads();
    const pages = new KeptPages(table.documents, TABLE_NAME);
    const campaignPage = keys.campaignPlanPage(`c-${randomUUID()}`, 's0-p0');
    const rescoringPage = keys.rescorePage(`job-${randomUUID()}`, 's3-p1');
    const publishedPage = keys.campaignPlanPage(`c-${randomUUID()}`, 's1-p0');
    await pages.keep(campaignPage, { leadIds: [other.id, lead.id, 'lead-after'], counted: 3, next: 'cursor-after' });
    await pages.keep(rescoringPage, { leadIds: [lead.id], counted: 1 });
    await pages.keep(publishedPage, { leadIds: [lead.id, other.id], counted: 2 });
    await pages.finish(publishedPage);

    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    await rights.erase((await rights.holdings(lead.id)) ?? expect.fail('the lead has holdings'), []);

    expect(await itemsNaming(lead.id)).toEqual([]);
    // A retry of either page's request publishes it as counted, the erased lead named as gone: its
    // sender finds no lead so named and counts a skip, so the plan's totals still reach its count.
    const gone = keys.goneLeadId(lead.id);
    expect(await pages.keep(campaignPage, { leadIds: [other.id], counted: 1 })).toEqual({ leadIds: [other.id, gone, 'lead-after'], counted: 3, next: 'cursor-after' });
    expect(await pages.keep(rescoringPage, { leadIds: [], counted: 0 })).toEqual({ leadIds: [gone], counted: 1 });
    expect(await itemsNaming(other.id)).toEqual(expect.arrayContaining([expect.objectContaining({ ...campaignPage, leadIds: [other.id, gone, 'lead-after'] })]));
  });

  it("are found by the erasure's sweep when a plan that listed the lead before its erasure kept the page after", async () => {
    const [lead] = await twoLeads();
    const rights = new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME));
    await rights.erase((await rights.holdings(lead.id)) ?? expect.fail('the lead has holdings'), []);
    const pages = new KeptPages(table.documents, TABLE_NAME);
    const page = keys.campaignPlanPage(`c-${randomUUID()}`, 's2-p0');
    await pages.keep(page, { leadIds: [lead.id, lead.id], counted: 2 });

    expect(await rights.sweepErased(lead.id, [])).toBe(1);
    expect(await itemsNaming(lead.id)).toEqual([]);
    expect(await pages.keep(page, { leadIds: [], counted: 0 })).toEqual({ leadIds: [keys.goneLeadId(lead.id), keys.goneLeadId(lead.id)], counted: 2 });
  });

  it("are left as their publish left them when it comes between the erasure's read of a page and its write, naming nobody", async () => {
    const pages = new KeptPages(table.documents, TABLE_NAME);
    const page = keys.campaignPlanPage(`c-${randomUUID()}`, 's0-p0');
    const leadId = `erased-${randomUUID()}`;
    await pages.keep(page, { leadIds: ['lead-before', leadId], counted: 2 });
    // The planner publishes and finishes the page between the erasure's read of it and its write.
    let published = false;
    const publishingMeanwhile: DynamoDBDocumentClient = Object.create(table.documents);
    publishingMeanwhile.send = (async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
      if (command instanceof UpdateCommand && !published && String(command.input.UpdateExpression).includes(':gone')) {
        published = true;
        await pages.finish(page);
      }
      return table.documents.send(command);
    }) as DynamoDBDocumentClient['send'];

    expect(await new KeptPages(publishingMeanwhile, TABLE_NAME).forget(leadId)).toBe(1);
    expect(published).toBe(true);
    expect(await itemsNaming(leadId)).toEqual([]);
    expect(await pages.keep(page, { leadIds: [], counted: 0 })).toBe('finished');
  });
});
