import { Logger } from '@aws-lambda-powertools/logger';
import type { EngagementEventInput } from '../../src/api/schemas';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { LeadEventStore, type EventOutcome } from '../../src/adapters/lead-events';
import { requestFingerprint, scopedEventId } from '../../src/domain/idempotency';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { describeError, type Conflict } from '../../src/domain/errors';
import { DetailType, type DomainEvent } from '../../src/domain/events';
import { conflictError, HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { ingestEventsRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const store = new LeadEventStore(documentClient(), config.TABLE_NAME);
const visitorLinks = new AnonymousLinks(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

/** The event as stored: its id scoped to the visitor or address it was sent for, and what it asked for. */
function storedEvent(input: EngagementEventInput, receivedAt: string) {
  const scope = input.email ? { email: input.email } : { anonymousId: input.anonymousId ?? '' };
  const occurredAt = new Date(input.occurredAt).toISOString();
  return {
    id: scopedEventId(scope, input.id),
    clientId: input.id,
    type: input.type,
    occurredAt,
    receivedAt,
    properties: input.properties,
    requestHash: requestFingerprint({ type: input.type, occurredAt, properties: input.properties }),
  };
}

/**
 * Stores one event with whose history it joins: the lead for an email (created with the event if the
 * address is new), the lead an anonymous id is linked to, or else the anonymous visitor, whose events
 * count once they identify.
 */
async function record(input: EngagementEventInput, event: ReturnType<typeof storedEvent>): Promise<EventOutcome> {
  if (input.email) return store.recordEventForEmail(input.email, event);
  const anonymousId = input.anonymousId ?? '';
  const leadId = await visitorLinks.leadIdForAnonymous(anonymousId);
  return store.recordEventOnce(event, leadId ? { kind: 'lead', id: leadId } : { kind: 'anonymous', id: anonymousId });
}

const CONFLICT = 'was already used for a different event of this visitor; give each event its own id';

/** Events whose id was used before, or earlier in this batch, for a different event: refused before anything is written. */
async function conflicts(events: readonly ReturnType<typeof storedEvent>[]): Promise<Conflict | undefined> {
  const stored = new Map((await store.getEvents([...new Set(events.map((event) => event.id))])).map((event) => [event.id, event.requestHash]));
  const issues = events.flatMap((event, index) => {
    const earlier = stored.get(event.id) ?? events.slice(0, index).find((other) => other.id === event.id)?.requestHash;
    return earlier !== undefined && earlier !== event.requestHash ? [{ field: `events[${index}].id`, message: CONFLICT }] : [];
  });
  return issues.length ? conflictError(issues) : undefined;
}

const sendEvents: Implementation<(typeof ingestEventsRoutes)[number]> = async ({ body: batch }, event) => {
  const receivedAt = new Date().toISOString();
  const correlationId = event.requestContext.requestId;
  const events = batch.events.map((input) => storedEvent(input, receivedAt));
  const conflict = await conflicts(events);
  if (conflict) throw conflict;

  // One visitor's events in order (the first may create its lead), different visitors side by side.
  const byVisitor = new Map<string, { input: EngagementEventInput; index: number }[]>();
  batch.events.forEach((input, index) => {
    const visitor = input.email ?? `anonymous:${input.anonymousId ?? ''}`;
    byVisitor.set(visitor, [...(byVisitor.get(visitor) ?? []), { input, index }]);
  });
  const outcomes = new Map<number, EventOutcome & { storedId: string }>();
  await Promise.all(
    [...byVisitor.values()].map(async (visitorEvents) => {
      for (const { input, index } of visitorEvents) {
        const stored = events[index] ?? storedEvent(input, receivedAt);
        outcomes.set(index, { storedId: stored.id, ...(await record(input, stored)) });
      }
    }),
  );
  const results = batch.events.map((input, index) => {
    const outcome = outcomes.get(index);
    if (!outcome) throw new Error(`event ${index} was not recorded`);
    return { id: input.id, ...outcome };
  });
  // Another request stored a different event under one of these ids in the moment since the check.
  const raced = results.flatMap((result, index) => (result.status === 'conflict' ? [{ field: `events[${index}].id`, message: CONFLICT }] : []));
  if (raced.length) throw conflictError(raced);

  // One bus event per lead, naming all its events of this request: one scoring message, scored in one
  // write, instead of one per event scored side by side by pollers whose writes to the lead conflict.
  // Duplicates are published again: an earlier attempt may have stored them and then failed to publish.
  // Scoring applies each event once, so a second publish cannot count twice.
  const eventIdsByLead = new Map<string, Set<string>>();
  for (const { storedId, subject } of results) {
    if (subject.kind === 'lead') eventIdsByLead.set(subject.id, (eventIdsByLead.get(subject.id) ?? new Set<string>()).add(storedId));
  }
  const toScore: DomainEvent[] = [...eventIdsByLead].map(([leadId, eventIds]) => ({
    detailType: DetailType.EngagementRecorded,
    detail: { version: 2, correlationId, eventIds: [...eventIds], leadId },
  }));
  try {
    await publisher.publish(toScore);
  } catch (error) {
    logger.error('Events stored but not published', { count: toScore.length, error: describeError(error) });
    throw new HttpError(503, 'Events stored but not yet processed; send the same events again', undefined, { 'retry-after': '2' });
  }

  const duplicates = results.filter((result) => result.status === 'duplicate').length;
  logger.info('Events accepted', { received: results.length, duplicates });
  return json(202, {
    accepted: results.length - duplicates,
    duplicates,
    events: results.map(({ id, status }) => ({ id, status: status === 'recorded' ? 'accepted' : 'duplicate' })),
  });
};

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, ingestEventsRoutes, { sendEvents });
