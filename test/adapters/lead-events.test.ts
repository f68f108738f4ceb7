import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { DataRights } from '../../src/adapters/data-rights';
import * as keys from '../../src/adapters/keys';
import { LeadEventStore, type EventToRecord } from '../../src/adapters/lead-events';
import { LeadHistories } from '../../src/adapters/lead-histories';
import { addressOnlyLead, createLeadWrites, putEvent } from '../../src/adapters/lead-items';
import { LeadStore } from '../../src/adapters/lead-store';
import { ScoreStore } from '../../src/adapters/score-store';
import { transactWrite } from '../../src/adapters/transactions';
import { unapplied } from '../../src/domain/event-log';
import { requestFingerprint, scopedEventId, submissionIdFor } from '../../src/domain/idempotency';
import { apply } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { dynamoDbLocal, measuredCalls, TABLE_NAME, unitsOf } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const RECEIVED = '2026-11-30T12:00:00.000Z';

/** A request's events as the intake records them: one receiving time, ids in no particular order. */
const requestEvents = (ids: readonly string[], receivedAt = RECEIVED): EventToRecord[] =>
  ids.map((id, n) => ({
    id,
    clientId: `client-${id}`,
    type: n % 2 ? 'page_view' : 'content_download',
    occurredAt: `2026-11-30T11:5${n}:00.000Z`,
    receivedAt,
    recordedAt: receivedAt,
    properties: n % 2 ? { url: 'https://example.com/pricing', secondsOnPage: 150 } : { contentId: `guide-${n}` },
    requestHash: `hash-${id}`,
  }));

async function newLead(email: string) {
  const lead = addressOnlyLead(email, { at: RECEIVED });
  await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
  return lead;
}

const eventItems = async (partition: string) =>
  (await table.documents.send(new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)', ExpressionAttributeValues: { ':pk': partition, ':events': keys.eventPrefix } }))).Items ?? [];

describe("a lead's events recorded together", () => {
  it('are one item, written in one call for fewer write units than an item each, and every reader gets each event back', async () => {
    const lead = await newLead('together@example.com');
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const events = requestEvents(['ev_c', 'ev_a', 'ev_e', 'ev_b', 'ev_d']);
    const calls = measuredCalls(table.documents);

    await store.append({ kind: 'lead', id: lead.id }, events);

    expect(calls).toHaveLength(1);
    expect(unitsOf(calls[0]?.entries ?? [], 'writeUnits')).toBeLessThan(events.length);
    const items = await eventItems(keys.lead(lead.id).pk);
    expect(items).toHaveLength(1);
    expect(items[0]?.sk).toBe(keys.event({ kind: 'lead', id: lead.id }, RECEIVED, 'ev_a').sk);

    const expected = events.map(({ recordedAt: _recordedAt, ...event }) => ({ ...event, subject: { kind: 'lead', id: lead.id }, recordedAt: RECEIVED }));
    const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(byId(await store.recordedSince({ kind: 'lead', id: lead.id }, ''))).toEqual(byId(expected));
    expect(await store.eventsOf({ kind: 'lead', id: lead.id })).toHaveLength(5);
    // Newest recorded first, ties by id as separate items would sort: the last two ids.
    expect((await store.eventsOf({ kind: 'lead', id: lead.id }, { newestFirst: true, limit: 2 })).map((event) => event.id).sort()).toEqual(['ev_d', 'ev_e']);

    const view = await new ScoreStore(table.documents, TABLE_NAME).scoringView(lead.id);
    expect(byId(view?.recorded ?? [])).toEqual(byId(expected));

    const histories = [];
    for await (const page of new LeadHistories(table.documents, TABLE_NAME).leadHistories({ from: '2026-11-30T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' })) histories.push(...page);
    expect(byId(histories.find((history) => history.lead.id === lead.id)?.events ?? [])).toEqual(byId(expected));

    const holdings = await new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME)).holdings(lead.id);
    const exported = DataRights.exportOf(holdings ?? expect.fail('the lead has holdings'), RECEIVED).records;
    expect(exported.events).toBeUndefined();
    expect(byId((exported.event ?? []) as { id: string }[])).toEqual(byId(events.map(({ recordedAt: _recordedAt, ...event }) => ({ entity: 'event', ...event }))));
  });

  it('are written once: the same request recorded again writes nothing more', async () => {
    const lead = await newLead('again@example.com');
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const events = requestEvents(['ev_1', 'ev_2', 'ev_3']);
    await store.append({ kind: 'lead', id: lead.id }, events);

    await store.append({ kind: 'lead', id: lead.id }, events);

    expect(await eventItems(keys.lead(lead.id).pk)).toHaveLength(1);
    expect(await store.eventsOf({ kind: 'lead', id: lead.id })).toHaveLength(3);
  });

  it('lose none of a request that races another in the same millisecond with the same first event', async () => {
    const lead = await newLead('race@example.com');
    const subject = { kind: 'lead', id: lead.id } as const;
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const [shared, first, second] = requestEvents(['ev_a', 'ev_b', 'ev_c']);
    if (!shared || !first || !second) expect.fail('three events');

    await Promise.all([store.append(subject, [shared, first]), store.append(subject, [shared, second])]);

    expect((await store.eventsOf(subject)).map((event) => event.id).sort()).toEqual(['ev_a', 'ev_b', 'ev_c']);
    expect([...new Set((await new ScoreStore(table.documents, TABLE_NAME).scoringView(lead.id))?.recorded.map((event) => event.id))].sort()).toEqual(['ev_a', 'ev_b', 'ev_c']);
  });

  it('read in order beside events stored one item each, by recording time', async () => {
    const lead = await newLead('beside@example.com');
    const subject = { kind: 'lead', id: lead.id } as const;
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const [single] = requestEvents(['ev_single'], '2026-11-30T11:00:00.000Z');
    await table.documents.send(new PutCommand(putEvent(TABLE_NAME, single ?? expect.fail('an event'), subject).Put));
    await store.append(subject, requestEvents(['ev_y', 'ev_x'], '2026-11-30T12:00:00.000Z'));
    await store.append(subject, requestEvents(['ev_z'], '2026-11-30T13:00:00.000Z'));

    expect((await store.recordedSince(subject, '')).map((event) => event.id)).toEqual(['ev_single', 'ev_x', 'ev_y', 'ev_z']);
    expect((await new ScoreStore(table.documents, TABLE_NAME).scoringView(lead.id))?.recorded.map((event) => event.id)).toEqual(['ev_single', 'ev_x', 'ev_y', 'ev_z']);
    expect(await eventItems(keys.lead(lead.id).pk)).toHaveLength(3);
  });

  it("are one item in a visitor's history too, which moves to the lead it identifies as item by item, once", async () => {
    const lead = await newLead('identified@example.com');
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const visitor = { kind: 'anonymous', id: 'visitor-1' } as const;
    await store.append(visitor, requestEvents(['ev_p', 'ev_q', 'ev_r']));
    await store.append(visitor, requestEvents(['ev_s'], '2026-11-30T12:30:00.000Z'));
    expect(await eventItems(keys.subjectPartition(visitor))).toHaveLength(2);
    const links = new AnonymousLinks(table.documents, TABLE_NAME);

    expect(await links.moveHistory('visitor-1', lead.id)).toBe(4);
    expect(await links.moveHistory('visitor-1', lead.id)).toBe(0);

    expect(await eventItems(keys.subjectPartition(visitor))).toEqual([]);
    expect(await eventItems(keys.lead(lead.id).pk)).toHaveLength(2);
    expect((await store.eventsOf({ kind: 'lead', id: lead.id })).map((event) => event.id).sort()).toEqual(['ev_p', 'ev_q', 'ev_r', 'ev_s']);
  });
});

/**
 * A request's events as intake makes them: stored ids scoped to the address, the snippet's UUIDs as the
 * client's ids, fingerprints of what was sent, a page view's address and time on page.
 */
function intakeEvents(email: string, receivedAt: string): EventToRecord[] {
  return [0, 1, 2, 3, 4].map((n) => {
    const clientId = randomUUID();
    const type = n < 2 ? 'page_view' : 'content_download';
    const occurredAt = new Date(Date.parse(receivedAt) - (5 - n) * 1_000).toISOString();
    const properties = n < 2 ? { url: `https://example.com/${n ? 'demo' : 'pricing'}`, secondsOnPage: 150 } : { contentId: `guide-${n}` };
    return { id: scopedEventId({ email }, clientId), clientId, type, occurredAt, receivedAt, recordedAt: receivedAt, properties, requestHash: requestFingerprint({ type, occurredAt, properties }) };
  });
}

describe('an open or click of an email, recorded by tracking', () => {
  const opened = (id: string): EventToRecord => ({ id, type: 'email_open', occurredAt: RECEIVED, receivedAt: RECEIVED, recordedAt: RECEIVED, properties: { campaignId: 'c' } });

  it("is recorded once for a lead, and not at all for a lead erased since the email went out", async () => {
    const lead = await newLead(`opens-${randomUUID()}@example.com`);
    const events = new LeadEventStore(table.documents, TABLE_NAME);
    expect(await events.recordEvent(opened('ses-m1-email_open-1'), lead.id)).toBe('recorded');
    expect(await events.recordEvent(opened('ses-m1-email_open-1'), lead.id)).toBe('duplicate');
    expect((await events.eventsOf({ kind: 'lead', id: lead.id })).map((event) => event.id)).toEqual(['ses-m1-email_open-1']);

    const erased = randomUUID();
    expect(await events.recordEvent(opened('ses-m2-email_open-1'), erased)).toBe('no-lead');
    const { Items = [] } = await table.documents.send(new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.lead(erased).pk }, ConsistentRead: true }));
    expect(Items).toEqual([]);
  });
});

describe('events as intake makes them', () => {
  it('are packed: the five of a request written in 1 write unit, each read back as it was', async () => {
    const lead = await newLead('packed@example.com');
    const subject = { kind: 'lead', id: lead.id } as const;
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const events = intakeEvents('packed@example.com', RECEIVED);
    const calls = measuredCalls(table.documents);

    await store.append(subject, events);

    expect(unitsOf(calls.flatMap((call) => call.entries), 'writeUnits')).toBe(1);
    const byId = <T extends { id: string }>(list: readonly T[]) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(byId(await store.recordedSince(subject, ''))).toEqual(byId(events.map((event) => ({ ...event, subject }))));
    // A visitor's event moved to the lead keeps when it was received, apart from when it was recorded.
    const [moved] = intakeEvents('packed@example.com', '2026-11-30T12:05:00.000Z').map((event) => ({ ...event, recordedAt: '2026-11-30T12:10:00.000Z' }));
    await store.append(subject, [moved ?? expect.fail('an event')]);
    expect((await store.eventsOf(subject, { since: '2026-11-30T12:04:00.000Z' })).map(({ subject: _subject, ...event }) => event)).toEqual([moved]);
  });

  it('stored before they were packed are still read, and exported alike', async () => {
    const lead = await newLead('unpacked@example.com');
    const subject = { kind: 'lead', id: lead.id } as const;
    const [single, ...together] = intakeEvents('unpacked@example.com', RECEIVED);
    if (!single) expect.fail('events');
    const sorted = [...together].sort((a, b) => (a.id < b.id ? -1 : 1));
    // The two shapes written before: one event an item with its attributes named in full, and several under `events`.
    await table.documents.send(new PutCommand(putEvent(TABLE_NAME, single, subject).Put));
    const at = '2026-11-30T12:01:00.000Z';
    const named = sorted.map(({ recordedAt: _recordedAt, ...event }) => ({ ...event, receivedAt: at }));
    await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { ...keys.event(subject, at, sorted[0]?.id ?? ''), entity: 'events', events: named } }));
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    await store.append(subject, intakeEvents('unpacked@example.com', '2026-11-30T12:02:00.000Z'));

    const read = await store.recordedSince(subject, '');
    expect(read).toHaveLength(10);
    expect(read.slice(0, 5).map(({ subject: _subject, ...event }) => event)).toEqual([single, ...named.map((event) => ({ ...event, recordedAt: at }))]);
    const holdings = await new DataRights(table.documents, TABLE_NAME, new LeadStore(table.documents, TABLE_NAME)).holdings(lead.id);
    const exported = (DataRights.exportOf(holdings ?? expect.fail('the lead has holdings'), RECEIVED).records.event ?? []) as Record<string, unknown>[];
    expect(exported).toHaveLength(10);
    for (const record of exported) expect(Object.keys(record).sort()).toEqual(['clientId', 'entity', 'id', 'occurredAt', 'properties', 'receivedAt', 'requestHash', 'type']);
  });
});

describe("the scorer's view of a lead", () => {
  it("of a returning lead (its score, its profile, the new request's events and the last scored) reads 1 read unit", async () => {
    const email = 'returning@example.com';
    const lead = await newLead(email);
    const subject = { kind: 'lead', id: lead.id } as const;
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const scores = new ScoreStore(table.documents, TABLE_NAME);
    const before = intakeEvents(email, '2026-11-30T09:00:00.000Z');
    await store.append(subject, before);
    let state = apply(undefined, { event: { id: submissionIdFor('demo', email, 'key'), type: 'form_submission', occurredAt: '2026-11-30T08:59:00.000Z', properties: {} }, lead: {} }, starterRuleset).state;
    for (const event of before) state = apply(state, { event, lead: {} }, starterRuleset).state;
    // Scored when the last request came: it is still among the watermark's recent events.
    const recent = before.map(({ id, recordedAt }) => ({ id, recordedAt }));
    expect(await scores.applyScores(lead.id, 0, state, 0, { through: '2026-11-30T08:58:00.000Z', recent })).toBe('applied');
    const returning = intakeEvents(email, RECEIVED);
    await store.append(subject, returning);

    const calls = measuredCalls(table.documents);
    const view = await scores.scoringView(lead.id);

    expect(unapplied(view?.recorded ?? [], view?.watermark ?? expect.fail('a view')).map((event) => event.id).sort()).toEqual(returning.map((event) => event.id).sort());
    expect(unitsOf(calls.flatMap((call) => call.entries), 'readUnits')).toBe(1);
  });

  it('reads the events since the watermark at 2 read units however long the history, and every event of requests that piled up', async () => {
    const lead = await newLead('long-history@example.com');
    const subject = { kind: 'lead', id: lead.id } as const;
    const store = new LeadEventStore(table.documents, TABLE_NAME);
    const scores = new ScoreStore(table.documents, TABLE_NAME);
    const hour = (n: number) => new Date(Date.UTC(2026, 10, 1) + n * 3_600_000).toISOString();
    const request = (n: number) => requestEvents([1, 2, 3, 4, 5].map((k) => `ev_${n}_${k}`), hour(n));
    // Thirty requests scored: the watermark holds them all.
    for (let n = 0; n < 30; n += 1) await store.append(subject, request(n));
    const state = apply(undefined, { event: { id: 'ev_0_1', type: 'content_download', occurredAt: hour(0), properties: {} }, lead: {} }, starterRuleset).state;
    expect(await scores.applyScores(lead.id, 0, state, 0, { through: hour(29), recent: [] })).toBe('applied');

    await store.append(subject, request(30));
    const calls = measuredCalls(table.documents);
    const view = await scores.scoringView(lead.id);
    expect(view?.recorded.map((event) => event.id).sort()).toEqual(request(30).map((event) => event.id).sort());
    expect(view?.watermark.through).toBe(hour(29));
    expect(unitsOf(calls.flatMap((call) => call.entries), 'readUnits')).toBeLessThanOrEqual(2);

    // Requests the scorer has not caught up with: each of their events, in recording order.
    for (let n = 31; n < 45; n += 1) await store.append(subject, request(n));
    const behind = await scores.scoringView(lead.id);
    expect(behind?.recorded.map((event) => event.recordedAt)).toEqual(Array.from({ length: 15 }, (_, n) => Array(5).fill(hour(30 + n))).flat());
  });
});
