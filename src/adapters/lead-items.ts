import { randomUUID } from 'node:crypto';
import type { ConsentRecord } from '../domain/subscriptions';
import type { ScoredEvent } from '../domain/scoring/engine';
import { EMPTY_WATERMARK } from '../domain/event-log';
import type { LeadQualifiedDetail } from '../domain/events';
import type { Lead, Touch } from '../domain/lead';
import { entryStage, stageEntry, type EntryStage } from '../domain/handoff/lifecycle';
import * as keys from './keys';
import type { Subject } from './keys';
import { transitionPut } from './lifecycle-store';
import { clientIdIn, clientIdOut, fingerprintIn, fingerprintOut, idIn, idOut, timeIn, timeOut } from './packed-values';
import { scoreFromItem, type StoredScore } from './score-items';

/**
 * How a lead, its events and its consent records look as table items, and the writes that create
 * them: the lead stores, the event store and the submission store write them in shared transactions.
 */

/** An engagement event as stored, once, in its subject's partition. */
export interface StoredEvent extends ScoredEvent {
  readonly subject: Subject;
  readonly receivedAt: string;
  /**
   * When it entered its subject's history: when it was received, or when a visitor's event moved to
   * the lead they identified as. The scorer's watermark is measured on this.
   */
  readonly recordedAt: string;
  /** The id the client gave a tracked event (the stored id is scoped to its visitor or address). */
  readonly clientId?: string;
  /** The fingerprint of the request that stored it: a retry must match it, or it is a conflict. */
  readonly requestHash?: string;
}

/** A lead as created: it always has the stage it entered the funnel at. */
export type NewLead = Lead & { readonly stage: EntryStage; readonly stageChangedAt: string };

/** A new lead holding only its address, first seen at `touch`. */
export function addressOnlyLead(email: string, touch: Touch): NewLead {
  return { id: randomUUID(), email, createdAt: touch.at, updatedAt: touch.at, firstTouch: touch, lastTouch: touch, subscriptions: {}, stage: entryStage(false), stageChangedAt: touch.at, version: 1 };
}

/**
 * A new lead's writes: the address claimed for it (so one address makes one lead, even under
 * concurrent creation), the lead, and the record of the stage it entered at.
 */
export function createLeadWrites(tableName: string, lead: NewLead) {
  return [
    { Put: { TableName: tableName, Item: { ...keys.email(lead.email), leadId: lead.id, createdAt: lead.createdAt }, ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: tableName, Item: { ...keys.lead(lead.id), ...keys.leadListing(lead.id), entity: 'lead', ...lead }, ConditionExpression: 'attribute_not_exists(pk)' } },
    transitionPut(tableName, lead.version, { ...stageEntry(lead.stage, lead.stageChangedAt), leadId: lead.id, leadCreatedAt: lead.createdAt }),
    { Put: { TableName: tableName, Item: emptyScoreItem(lead.id), ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
}

/** The put of an event into its subject's history; its subject and recording time are its key. */
export function putEvent(tableName: string, event: Omit<StoredEvent, 'subject'>, subject: Subject) {
  const { recordedAt, ...attributes } = event;
  return {
    Put: {
      TableName: tableName,
      Item: { ...keys.event(subject, recordedAt, event.id), entity: 'event', ...attributes },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * The puts of events recorded together (a request's events of one lead or visitor), each with the events it
 * holds: one item for those recorded at the same time, keyed as its first event by id would be,
 * holding them all, packed (`packedEvent`). DynamoDB charges a write by the item's size, so five events
 * of a request cost about 1 write unit instead of 5, and one call instead of five. Readers take every
 * shape back with `toStoredEvents`.
 */
export function putEvents(tableName: string, events: readonly Omit<StoredEvent, 'subject'>[], subject: Subject) {
  const byRecordingTime = new Map<string, Omit<StoredEvent, 'subject'>[]>();
  for (const event of events) byRecordingTime.set(event.recordedAt, [...(byRecordingTime.get(event.recordedAt) ?? []), event]);
  return [...byRecordingTime].map(([recordedAt, recorded]) => {
    const sorted = [...recorded].sort((a, b) => (a.id < b.id ? -1 : 1));
    // Every group holds one event at least.
    const first = sorted[0] as Omit<StoredEvent, 'subject'>;
    return {
      Put: {
        TableName: tableName,
        Item: { ...keys.event(subject, recordedAt, first.id), entity: 'events', ev: sorted.map(packedEvent) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
      events: sorted,
    };
  });
}

/**
 * An event as an item of events recorded together stores it: one-letter names, times as milliseconds,
 * an intake id, the client's id when it is a UUID (as the tracking snippet makes them) and the
 * request's fingerprint as bytes (packed-values.ts), and when it was received only if that is not when
 * it was recorded (the item's key has that). Five tracked events of a request from the snippet take
 * about half the bytes they took as named texts (793 against some 1,500), and DynamoDB bills the write
 * and every read of the item by its size.
 */
function packedEvent(event: Omit<StoredEvent, 'subject'>): Record<string, unknown> {
  return {
    i: idOut(event.id),
    t: event.type,
    o: timeOut(event.occurredAt),
    ...(Object.keys(event.properties).length ? { p: event.properties } : {}),
    ...(event.receivedAt === event.recordedAt ? {} : { r: timeOut(event.receivedAt) }),
    ...(event.clientId === undefined ? {} : { c: clientIdOut(event.clientId) }),
    ...(event.requestHash === undefined ? {} : { h: fingerprintOut(event.requestHash) }),
  };
}

/** A packed event as the attributes an item of one event has (`putEvent`). */
function unpackedEvent(packed: Record<string, unknown>, recordedAt: string): Record<string, unknown> {
  return {
    id: idIn(packed.i),
    type: String(packed.t),
    occurredAt: timeIn(packed.o),
    properties: packed.p ?? {},
    receivedAt: packed.r === undefined ? recordedAt : timeIn(packed.r),
    ...(packed.c === undefined ? {} : { clientId: clientIdIn(packed.c) }),
    ...(packed.h === undefined ? {} : { requestHash: fingerprintIn(packed.h) }),
  };
}

/**
 * Consent records are append-only: each is put once, keyed by time, type and the request that made it,
 * and listed by type in the index (so whether any record names a type needs no scan).
 */
export function putConsents(tableName: string, leadId: string, consents: readonly ConsentRecord[], sourceId: string) {
  return consents.map((consent) => ({
    Put: {
      TableName: tableName,
      Item: { ...keys.consent(leadId, consent.at, consent.subscription, sourceId), ...keys.consentOfType(consent.subscription, leadId, consent.at), entity: 'consent', ...consent },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }));
}

/** `SET <map>.<key> = <value>` clauses for an update expression, one per entry; entries not named are kept. */
export function mapEntryUpdates(map: 'subscriptions' | 'attributes', entries: readonly (readonly [string, unknown])[]) {
  const prefix = map === 'subscriptions' ? 'sub' : 'attr';
  const names: Record<string, string> = entries.length ? { [`#${map}`]: map } : {};
  const values: Record<string, unknown> = {};
  const sets = entries.map(([key, value], index) => {
    names[`#${prefix}${index}`] = key;
    values[`:${prefix}${index}`] = value;
    return `#${map}.#${prefix}${index} = :${prefix}${index}`;
  });
  return { names, values, sets };
}

export function toLead(item: Record<string, unknown>): Lead {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, anonymousIds, ...lead } = item;
  return { ...(lead as unknown as Lead), ...(anonymousIds instanceof Set ? { anonymousIds: [...anonymousIds].sort() } : {}) };
}

/** When an event item's events were recorded: its sort key, less the prefix and its first event's id. */
const recordingTime = (item: Record<string, unknown>, firstId: string) => String(item.sk).slice(keys.eventPrefix.length, -(firstId.length + 1));

/**
 * An item as the records it holds: an item of events recorded together its events (by id), each as
 * `putEvent`'s item would hold it; any other item, itself.
 */
export function itemRecords(item: Record<string, unknown>): Record<string, unknown>[] {
  if (item.entity !== 'events') return [item];
  if (Array.isArray(item.ev)) {
    const packed = item.ev as Record<string, unknown>[];
    const recordedAt = recordingTime(item, idIn(packed[0]?.i));
    return packed.map((event) => ({ entity: 'event', ...unpackedEvent(event, recordedAt) }));
  }
  // Stored before events were packed: their attributes named in full.
  return Array.isArray(item.events) ? (item.events as Record<string, unknown>[]).map((event) => ({ entity: 'event', ...event })) : [item];
}

/**
 * An event item back as its events (`putEvent`'s item holds one, `putEvents`' several, first by id):
 * their subject from its partition, their recording time from its sort key, in the order separate
 * items would have had in a query that reads `order`.
 */
export function toStoredEvents(item: Record<string, unknown>, order: 'oldest-first' | 'newest-first' = 'oldest-first'): StoredEvent[] {
  const partition = String(item.pk);
  const subject: Subject = partition.startsWith('ANON#') ? { kind: 'anonymous', id: partition.slice('ANON#'.length) } : { kind: 'lead', id: partition.slice('LEAD#'.length) };
  const recorded = itemRecords(item);
  const recordedAt = recordingTime(item, String(recorded[0]?.id));
  const events = recorded.map((event) => ({
    id: event.id as string,
    type: event.type as string,
    occurredAt: event.occurredAt as string,
    properties: (event.properties ?? {}) as Record<string, unknown>,
    subject,
    receivedAt: event.receivedAt as string,
    recordedAt,
    ...(typeof event.clientId === 'string' ? { clientId: event.clientId } : {}),
    ...(typeof event.requestHash === 'string' ? { requestHash: event.requestHash } : {}),
  }));
  return order === 'newest-first' ? events.reverse() : events;
}

/** The score item as a new lead gets it: no score yet, so the first score write finds it to check. */
export function emptyScoreItem(leadId: string) {
  return { ...keys.score(leadId), entity: 'score', version: 0, through: EMPTY_WATERMARK.through, recent: [] };
}

/** The profile item and the score item as one lead. */
export function toLeadWithScore(profile: Record<string, unknown>, score: Record<string, unknown> | undefined): Lead {
  const lead = toLead(profile);
  if (!score) return lead;
  return {
    ...lead,
    ...(score.score ? { score: scoreFromItem(score.score as StoredScore) } : {}),
    ...(score.pendingQualification ? { pendingQualification: score.pendingQualification as LeadQualifiedDetail } : {}),
    scoreVersion: Number(score.version),
  };
}
