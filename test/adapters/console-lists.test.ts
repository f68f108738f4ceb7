import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { SegmentMembershipStore } from '../../src/adapters/segment-membership-store';
import { RoutingStore } from '../../src/adapters/routing-store';
import { TeamInbox } from '../../src/app/team-inbox';
import type { DomainEvent } from '../../src/domain/events';
import { Conflict, Forbidden } from '../../src/domain/errors';
import { routingConfig } from '../app/fixtures';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
let routing: RoutingStore;
let inbox: TeamInbox;
const published: DomainEvent[] = [];

beforeAll(async () => {
  table = await dynamoDbLocal();
  routing = new RoutingStore(table.documents, TABLE_NAME);
  inbox = new TeamInbox({ routing, leads: new LeadStore(table.documents, TABLE_NAME), publisher: { publish: async (events) => void published.push(...events) } });
  expect(await routing.save(routingConfig, 0, '2026-11-30T09:00:00.000Z')).not.toBe('version-changed');
});

const read = async (key: { pk: string; sk: string }) => (await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;

let leads = 0;
/** A lead in `mql` whose qualification found every rep of team apac at capacity. */
async function waitingMql(at: string) {
  leads += 1;
  const id = `00000000-0000-4000-8000-${String(leads).padStart(12, '0')}`;
  const time = { at: '2026-11-01T00:00:00.000Z' };
  await table.documents.send(
    new PutCommand({
      TableName: TABLE_NAME,
      Item: { ...keys.lead(id), ...keys.leadListing(id), id, email: `lead${leads}@example.com`, createdAt: time.at, updatedAt: time.at, firstTouch: time, lastTouch: time, subscriptions: {}, stage: 'mql', version: 1 },
    }),
  );
  const key = { leadId: id, rulesetVersion: 'starter-1', qualification: 1 };
  expect(await routing.recordUnassigned(key, 'apac', at)).toBe('recorded');
  return key;
}

describe('the team inbox on DynamoDB Local', () => {
  it("lists a team's unassigned MQLs oldest first, to its reps only", async () => {
    const later = await waitingMql('2026-11-30T10:05:00.000Z');
    const earlier = await waitingMql('2026-11-30T10:00:00.000Z');
    const page = await inbox.list({ kind: 'rep', repId: 'ana' }, undefined, { limit: 50 });
    expect(page.team).toEqual({ id: 'apac', name: 'APAC' });
    expect(page.items.map((item) => item.leadId)).toEqual([earlier.leadId, later.leadId]);
    expect(page.items[0]).toMatchObject({ rulesetVersion: 'starter-1', qualification: 1, waitingSince: '2026-11-30T10:00:00.000Z', lead: { id: earlier.leadId, stage: 'mql' } });
    await expect(inbox.list({ kind: 'rep', repId: 'ana' }, 'emea', { limit: 50 })).rejects.toBeInstanceOf(Forbidden);
    await expect(inbox.list({ kind: 'rep', repId: 'nobody' }, undefined, { limit: 50 })).rejects.toBeInstanceOf(Forbidden);
    expect((await inbox.list({ kind: 'manager' }, 'apac', { limit: 50 })).items).toHaveLength(2);
  });

  it('gives a lead to exactly one of two reps claiming it at once, and takes it out of the inbox', async () => {
    const key = await waitingMql('2026-11-30T11:00:00.000Z');
    published.length = 0;
    const claims = await Promise.allSettled(
      ['budi', 'citra'].map((repId) => inbox.claim({ kind: 'rep', repId }, key, undefined, repId, `claim-${repId}`, '2026-11-30T11:30:00.000Z')),
    );
    const won = claims.filter((claim) => claim.status === 'fulfilled');
    const lost = claims.filter((claim) => claim.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    const winner = (won[0] as PromiseFulfilledResult<{ repId: string }>).value.repId;
    const loser = winner === 'budi' ? 'citra' : 'budi';

    expect((await read(keys.lead(key.leadId)))?.owner).toEqual({ repId: winner, teamId: 'apac', assignedAt: '2026-11-30T11:30:00.000Z' });
    expect(await read(keys.assignment(key.leadId, key.rulesetVersion, key.qualification))).toMatchObject({ status: 'assigned', repId: winner, claimedBy: winner });
    const openCounts = await routing.openCounts([winner, loser]);
    expect([openCounts[winner], openCounts[loser] ?? 0]).toEqual([1, 0]);
    expect(published).toEqual([{ detailType: 'lead.assigned', detail: expect.objectContaining({ leadId: key.leadId, repId: winner, teamId: 'apac', qualification: 1 }) }]);
    const left = await inbox.list({ kind: 'rep', repId: loser }, undefined, { limit: 50 });
    expect(left.items.map((item) => item.leadId)).not.toContain(key.leadId);

    await expect(inbox.claim({ kind: 'rep', repId: loser }, key, undefined, loser, 'again', '2026-11-30T11:31:00.000Z')).rejects.toBeInstanceOf(Conflict);
    expect((await read(keys.lead(key.leadId)))?.owner.repId).toBe(winner);
  });

  it('refuses a claim for a qualification that never waited in the inbox, changing nothing', async () => {
    const key = await waitingMql('2026-11-30T12:00:00.000Z');
    await expect(inbox.claim({ kind: 'rep', repId: 'ana' }, { ...key, qualification: 7 }, undefined, 'ana', 'c', '2026-11-30T12:01:00.000Z')).rejects.toBeInstanceOf(Conflict);
    expect((await read(keys.lead(key.leadId)))?.owner).toBeUndefined();
    expect((await inbox.list({ kind: 'rep', repId: 'ana' }, undefined, { limit: 50 })).items.map((item) => item.leadId)).toContain(key.leadId);
  });
});

describe("a tracked segment's members on DynamoDB Local", () => {
  it('lists a lead while it is a member and no longer once it left, in listing order across the partitions', async () => {
    const segmentId = '44444444-4444-4444-8444-444444444444';
    const memberships = new SegmentMembershipStore(table.documents, TABLE_NAME);
    const listing = new LeadListing(table.documents, TABLE_NAME);
    const pending = (member: boolean) => ({ detailType: member ? ('lead.segment_entered' as const) : ('lead.segment_left' as const), detail: { version: 1 as const, correlationId: 'c', leadId: 'x', segmentId, segmentVersion: 1, at: '2026-11-30T10:00:00.000Z' } });
    const ids: string[] = [];
    for (let n = 0; n < 3; n += 1) ids.push((await waitingMql(`2026-11-30T13:0${n}:00.000Z`)).leadId);
    for (const id of ids) expect(await memberships.change(id, segmentId, { member: true, pending: pending(true) }, 0)).toBe(true);
    const all = async () => {
      const seen: string[] = [];
      let cursor: Parameters<LeadListing['segmentMembersPage']>[2] | undefined = { shard: 0 };
      while (cursor) {
        const page: Awaited<ReturnType<LeadListing['segmentMembersPage']>> = await listing.segmentMembersPage(segmentId, 2, cursor);
        seen.push(...page.leads.map((member) => member.id));
        cursor = page.cursor;
      }
      return seen;
    };
    expect(await all()).toEqual([...ids].sort());
    expect(await memberships.change(ids[1] ?? '', segmentId, { member: false, pending: pending(false) }, 1)).toBe(true);
    expect(await all()).toEqual([ids[0], ids[2]].sort());
  });
});
