import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { addressOnlyLead, createLeadWrites, toLeadWithScore } from '../../src/adapters/lead-items';
import { LeadStore } from '../../src/adapters/lead-store';
import { RoutingStore } from '../../src/adapters/routing-store';
import { ScoreStore } from '../../src/adapters/score-store';
import { transactWrite } from '../../src/adapters/transactions';
import type { LeadQualifiedDetail } from '../../src/domain/events';
import { scoringView } from '../../src/domain/lead';
import { bandOf } from '../../src/domain/score-order';
import { apply, scoreCeiling, type ScoreState } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { dynamoDbLocal, measuredCalls, TABLE_NAME, unitsOf } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const AT = '2026-11-30T12:00:00.000Z';

/** A qualified lead with its score and pending qualification, and the items a lead's partition holds around them. */
async function qualifiedLeadWithNeighbours(email: string) {
  const lead = { ...addressOnlyLead(email, { at: AT }), role: 'VP Sales', industry: 'SaaS', budget: 20_000, teamSize: 120 };
  await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
  let state: ScoreState | undefined;
  for (let n = 0; n < 6; n += 1) {
    const event = { id: `evt-${n}`, type: n % 2 ? 'page_view' : 'content_download', occurredAt: AT, properties: n % 2 ? { url: 'https://example.com/pricing' } : { contentId: `guide-${n}` } };
    state = apply(state, { event, lead: scoringView(lead) }, starterRuleset).state;
  }
  const score = state as ScoreState;
  const pending: LeadQualifiedDetail = {
    version: 1, correlationId: 'corr-1', leadId: lead.id, rulesetVersion: score.rulesetVersion, qualification: 1, qualifiedAt: AT,
    fit: score.fit, engagement: score.engagement, score: score.total, grade: score.grade, topContributors: [],
  };
  await new ScoreStore(table.documents, TABLE_NAME).applyScores(lead.id, 0, score, bandOf(scoreCeiling(score, scoringView(lead), starterRuleset)), { through: AT, recent: [] }, pending);
  // Items sorting before the profile (events, follow-ups, journeys) and after the score (segments, stages, submissions).
  const neighbours = [
    keys.event({ kind: 'lead', id: lead.id }, AT, 'evt-0'),
    keys.followUp(lead.id, score.rulesetVersion, 1, 0, 'reminder'),
    keys.enrolment(lead.id, 'journey-1'),
    keys.alert(lead.id, score.rulesetVersion, 1),
    keys.segmentMembership(lead.id, 'segment-1'),
    keys.submission(lead.id, 'evt-form'),
    keys.marketingSends(lead.id),
  ];
  for (const key of neighbours) await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...key, entity: 'neighbour', padding: 'x'.repeat(2_000) } }));
  return lead;
}

describe('reading a lead in one call on DynamoDB Local', () => {
  it('reads profile, score and pending qualification as their two items hold them, for one read unit where a get of each takes two', async () => {
    const lead = await qualifiedLeadWithNeighbours('ana@example.com');
    const store = new LeadStore(table.documents, TABLE_NAME);
    const calls = measuredCalls(table.documents);
    const get = (Key: Record<string, string>) => table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key, ConsistentRead: true }));
    const [profile, score] = await Promise.all([get(keys.lead(lead.id)), get(keys.score(lead.id))]);
    const getUnits = unitsOf(calls.splice(0).flatMap((call) => call.entries), 'readUnits');
    const byQuery = await store.getLead(lead.id);
    expect(byQuery).toEqual(toLeadWithScore(profile.Item as Record<string, unknown>, score.Item));
    expect(byQuery).toMatchObject({ id: lead.id, stage: lead.stage, scoreVersion: 1, score: { qualified: true }, pendingQualification: { qualification: 1 } });
    expect(getUnits).toBe(2);
    expect(calls.map((call) => unitsOf(call.entries, 'readUnits'))).toEqual([1]);
  });

  it('finds no lead where none is stored', async () => {
    expect(await new LeadStore(table.documents, TABLE_NAME).getLead('9a1b2c3d-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('reads the routing and a qualified lead\'s profile in one call, as the two gets read them', async () => {
    const lead = await qualifiedLeadWithNeighbours('budi@example.com');
    const routing = new RoutingStore(table.documents, TABLE_NAME);
    const profile = await new LeadStore(table.documents, TABLE_NAME).profileOf(lead.id);
    const calls = measuredCalls(table.documents);
    expect(await routing.withProfile(lead.id)).toEqual({ routing: undefined, lead: profile });
    expect(calls).toHaveLength(1);
    const config = { teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [{ id: 'ana', name: 'Ana', email: 'ana@example.com', capacity: 5 }] }], rules: [], defaultTeam: 'apac' };
    expect(await routing.save(config, 0, AT)).toMatchObject({ version: 1 });
    expect(await routing.withProfile(lead.id)).toEqual({ routing: await routing.get(), lead: profile });
    expect((await routing.withProfile('9a1b2c3d-0000-4000-8000-000000000000')).lead).toBeUndefined();
  });
});
