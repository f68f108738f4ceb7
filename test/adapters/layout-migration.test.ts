import { GetCommand, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayoutMigration } from '../../src/adapters/layout-migration';
import { ScoreStore } from '../../src/adapters/score-store';
import { unapplied } from '../../src/domain/event-log';
import { apply, type ScoreState } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

/**
 * Data written by the layout before events moved into their subject's partition (commit 39122b5^1:
 * src/adapters/lead-items.ts, score-store.ts): each event an item `EVENT#<id>` listed on gsi1 under its
 * subject and on gsi2 by day, marked `scoredAt` when the old scorer counted it; the score, with its
 * outbox entry, on the lead's profile.
 */

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const put = (Item: Record<string, unknown>) => table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item }));
const get = async (pk: string, sk: string) => (await table.documents.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk, sk }, ConsistentRead: true }))).Item;
const everything = async () => ((await table.documents.send(new ScanCommand({ TableName: TABLE_NAME, ConsistentRead: true }))).Items ?? []).sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));

type Subject = { kind: 'lead' | 'anonymous'; id: string };

/** An event item as the old layout wrote it. */
function oldEvent(id: string, subject: Subject, receivedAt: string, scoredAt?: string) {
  const occurredAt = new Date(Date.parse(receivedAt) - 1_000).toISOString();
  return {
    pk: `EVENT#${id}`,
    sk: 'EVENT',
    gsi1pk: `${subject.kind === 'lead' ? 'LEAD' : 'ANON'}#${subject.id}`,
    gsi1sk: `${occurredAt}#${id}`,
    gsi2pk: `EVENTS#${occurredAt.slice(0, 10)}`,
    gsi2sk: `${occurredAt}#${id}`,
    entity: 'event',
    id,
    type: 'page_view',
    occurredAt,
    properties: { url: 'https://example.com/pricing' },
    receivedAt,
    clientId: id.replace('ev_', 'client-'),
    requestHash: `hash-${id}`,
    subject,
    ...(scoredAt ? { scoredAt } : {}),
  };
}

const oldProfile = (leadId: string, email: string, score?: ScoreState, pendingQualification?: Record<string, unknown>) => ({
  pk: `LEAD#${leadId}`,
  sk: 'PROFILE',
  gsi1pk: `LEADS#${leadId.charAt(0)}`,
  gsi1sk: leadId,
  entity: 'lead',
  id: leadId,
  email,
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-01T09:00:00.000Z',
  subscriptions: {},
  stage: 'subscriber',
  stageChangedAt: '2026-11-01T09:00:00.000Z',
  version: 4,
  ...(score ? { score } : {}),
  ...(pendingQualification ? { pendingQualification } : {}),
});

/** The score the old scorer kept for these events. */
function scoreOf(events: readonly ReturnType<typeof oldEvent>[]): ScoreState {
  let state: ScoreState | undefined;
  for (const event of events) state = apply(state, { event, lead: {} }, starterRuleset).state;
  if (!state) throw new Error('no events');
  return state;
}

const SCORED_LEAD = 'a1111111-1111-4111-8111-111111111111';
const NEW_LEAD = 'b2222222-2222-4222-8222-222222222222';
const VISITOR_LINKED = 'visitor-linked';
const VISITOR_ALONE = 'visitor-alone';
const scored = [oldEvent('ev_s1', { kind: 'lead', id: SCORED_LEAD }, '2026-11-10T10:00:00.000Z', '2026-11-10T10:00:01.000Z'), oldEvent('ev_s2', { kind: 'lead', id: SCORED_LEAD }, '2026-11-12T10:00:00.000Z', '2026-11-12T10:00:00.500Z')];
// Never scored (its message died in a DLQ), though received before the last scored one.
const unscored = oldEvent('ev_u1', { kind: 'lead', id: SCORED_LEAD }, '2026-11-11T10:00:00.000Z');
const visitorIdentified = oldEvent('ev_v1', { kind: 'anonymous', id: VISITOR_LINKED }, '2026-11-09T10:00:00.000Z');
const visitorUnknown = oldEvent('ev_v2', { kind: 'anonymous', id: VISITOR_ALONE }, '2026-11-09T11:00:00.000Z');
const newLeadEvent = oldEvent('ev_n1', { kind: 'lead', id: NEW_LEAD }, '2026-11-13T10:00:00.000Z');
const pending = { version: 1, correlationId: 'c-1', leadId: SCORED_LEAD, rulesetVersion: 'starter-1', qualification: 1, qualifiedAt: '2026-11-12T10:00:00.000Z' };
const oldScore = scoreOf(scored);

async function writeOldLayout() {
  await put(oldProfile(SCORED_LEAD, 'scored@example.com', oldScore, pending));
  // A lead the old code made and never scored: no score anywhere.
  await put(oldProfile(NEW_LEAD, 'new@example.com'));
  await put({ pk: `ANON#${VISITOR_LINKED}`, sk: 'LINK', leadId: SCORED_LEAD, linkedAt: '2026-11-12T12:00:00.000Z' });
  for (const event of [...scored, unscored, visitorIdentified, visitorUnknown, newLeadEvent]) await put(event);
}

/** A client that fails every transaction after the first `transactions`, as a run stopped part way would. */
/**
 * A client that refuses every transaction after the first `transactions`, and `landed()`, which waits for
 * the ones it let through: moves run several at a time, so some are still on their way when the run
 * fails, and a resumed run started before they land would race them for the same events.
 */
function stoppingAfter(transactions: number): { client: DynamoDBDocumentClient; landed: () => Promise<unknown> } {
  let count = 0;
  const sent: Promise<unknown>[] = [];
  const stopping: DynamoDBDocumentClient = Object.create(table.documents);
  stopping.send = ((command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
    if (command instanceof TransactWriteCommand && (count += 1) > transactions) return Promise.reject(new Error('stopped'));
    const sending = table.documents.send(command as never);
    sent.push(sending.catch(() => undefined));
    return sending;
  }) as DynamoDBDocumentClient['send'];
  return { client: stopping, landed: () => Promise.all(sent) };
}

describe('migrating the old layout on DynamoDB Local', () => {
  const MIGRATED_AT = '2026-11-30T12:00:00.000Z';
  let firstReport: Awaited<ReturnType<LayoutMigration['run']>>;

  beforeAll(async () => {
    await writeOldLayout();
    // A run stopped after three moves, then a full run: the migration resumes where it stopped.
    const stopping = stoppingAfter(3);
    await expect(new LayoutMigration(stopping.client, TABLE_NAME, () => new Date(MIGRATED_AT)).run()).rejects.toThrow('stopped');
    await stopping.landed();
    const resumed = await new LayoutMigration(table.documents, TABLE_NAME, () => new Date(MIGRATED_AT)).run();
    firstReport = resumed;
  }, 120_000);

  it('leaves no item of the old layout and no index entry of an event', async () => {
    const items = await everything();
    expect(items.filter((item) => String(item.pk).startsWith('EVENT#'))).toEqual([]);
    for (const subject of [`LEAD#${SCORED_LEAD}`, `LEAD#${NEW_LEAD}`, `ANON#${VISITOR_LINKED}`, `ANON#${VISITOR_ALONE}`]) {
      const { Items } = await table.documents.send(new QueryCommand({ TableName: TABLE_NAME, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :subject', ExpressionAttributeValues: { ':subject': subject } }));
      expect(Items).toEqual([]);
    }
    expect(items.filter((item) => item.sk === 'PROFILE' && ('score' in item || 'pendingQualification' in item))).toEqual([]);
  });

  it("moves the score to its own item with the outbox entry, watermarked at the latest scored event's receipt", async () => {
    expect(await get(`LEAD#${SCORED_LEAD}`, 'SCORE')).toEqual({
      pk: `LEAD#${SCORED_LEAD}`,
      sk: 'SCORE',
      entity: 'score',
      score: oldScore,
      pendingQualification: pending,
      through: '2026-11-12T10:00:00.000Z',
      recent: [],
      version: 1,
    });
    expect(await get(`LEAD#${SCORED_LEAD}`, 'PROFILE')).toMatchObject({ email: 'scored@example.com', version: 4, stage: 'subscriber' });
  });

  it('keeps each event whole in its subject partition, scored ones counted once and the others waiting for the next scoring', async () => {
    const view = await new ScoreStore(table.documents, TABLE_NAME).scoringView(SCORED_LEAD);
    if (!view) throw new Error('lead not found');
    expect(view.lead.score).toEqual(oldScore);
    expect(view.lead.scoreVersion).toBe(1);
    expect(unapplied(view.recorded, view.watermark).map((event) => event.id).sort()).toEqual(['ev_u1', 'ev_v1']);
    const moved = await get(`LEAD#${SCORED_LEAD}`, `EVENT#2026-11-10T10:00:00.000Z#ev_s1`);
    const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g1s, gsi2pk: _g2, gsi2sk: _g2s, subject: _subject, scoredAt: _scoredAt, ...kept } = scored[0] as ReturnType<typeof oldEvent>;
    expect(moved).toEqual({ pk: `LEAD#${SCORED_LEAD}`, sk: `EVENT#2026-11-10T10:00:00.000Z#ev_s1`, ...kept });
    expect(await get(`LEAD#${SCORED_LEAD}`, `EVENT#${MIGRATED_AT}#ev_u1`)).toMatchObject({ id: 'ev_u1', receivedAt: unscored.receivedAt });
    // The visitor who identified joined the lead; the one who did not keeps its own history.
    expect(await get(`LEAD#${SCORED_LEAD}`, `EVENT#${MIGRATED_AT}#ev_v1`)).toMatchObject({ id: 'ev_v1' });
    expect(await get(`ANON#${VISITOR_ALONE}`, `EVENT#${visitorUnknown.receivedAt}#ev_v2`)).toMatchObject({ id: 'ev_v2' });
    // A lead never scored has no score item: its first scoring counts its whole history.
    const fresh = await new ScoreStore(table.documents, TABLE_NAME).scoringView(NEW_LEAD);
    expect(fresh?.lead.score).toBeUndefined();
    expect(unapplied(fresh?.recorded ?? [], fresh?.watermark ?? { through: '', recent: [] }).map((event) => event.id)).toEqual(['ev_n1']);
  });

  it('counts what the stopped and the resumed run moved together', () => {
    // The stopped run moved the score and two of the six events before it stopped (three transactions).
    expect(firstReport).toMatchObject({ scoresMoved: 0, eventsMoved: 4 });
  });

  it('is a no-op when run again: nothing to move, nothing written', async () => {
    const before = await everything();
    expect(await new LayoutMigration(table.documents, TABLE_NAME).run()).toEqual({ scoresMoved: 0, eventsMoved: 0, eventsAwaitingScore: 0 });
    expect(await everything()).toEqual(before);
  });
});

describe('a score that today’s scorer already wrote', () => {
  it('wins over the copy on the profile, which is dropped; the lead’s scored events stay counted once', async () => {
    const leadId = 'c3333333-3333-4333-8333-333333333333';
    const event = oldEvent('ev_c1', { kind: 'lead', id: leadId }, '2026-11-20T10:00:00.000Z', '2026-11-20T10:00:01.000Z');
    const current = scoreOf([event]);
    await put(oldProfile(leadId, 'current@example.com', { ...current, eventCount: 0 }));
    await put({ pk: `LEAD#${leadId}`, sk: 'SCORE', entity: 'score', score: current, through: '2026-11-20T09:59:00.000Z', recent: [], version: 3 });
    await put(event);
    await new LayoutMigration(table.documents, TABLE_NAME).run();
    expect(await get(`LEAD#${leadId}`, 'SCORE')).toMatchObject({ score: current, version: 3, through: '2026-11-20T09:59:00.000Z' });
    expect(await get(`LEAD#${leadId}`, 'PROFILE')).not.toHaveProperty('score');
    const view = await new ScoreStore(table.documents, TABLE_NAME).scoringView(leadId);
    expect(view?.recorded.map((recorded) => recorded.id)).toEqual([]);
    expect(await get(`LEAD#${leadId}`, 'EVENT#2026-11-20T09:59:00.000Z#ev_c1')).toMatchObject({ id: 'ev_c1' });
  });
});
