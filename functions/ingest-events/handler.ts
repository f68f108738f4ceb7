import { Logger } from '@aws-lambda-powertools/logger';
import { EventBatch, type EngagementEventInput } from '../../shared/api/schemas';
import { documentClient, eventBridgeClient } from '../../shared/adapters/clients';
import { EventBridgePublisher, describeError } from '../../shared/adapters/event-publisher';
import type { Subject } from '../../shared/adapters/keys';
import { LeadStore } from '../../shared/adapters/lead-store';
import { positiveInteger, readConfig, setting } from '../../shared/config';
import { DetailType, type DomainEvent } from '../../shared/domain/events';
import { HttpError, validationError } from '../../shared/http/errors';
import { httpBodyHandler } from '../../shared/http/handler';
import { json, type ParsedBodyEvent } from '../../shared/http/middleware';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const store = new LeadStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

/**
 * Whose history the event joins: the lead for an email (created if the address is new), the lead an
 * anonymous id is linked to, or else the anonymous visitor, whose events count once they identify.
 */
async function subjectOf(event: EngagementEventInput, receivedAt: string): Promise<Subject> {
  if (event.email) return { kind: 'lead', id: await store.ensureLeadForEmail(event.email, { at: receivedAt }) };
  const anonymousId = event.anonymousId ?? '';
  const leadId = await store.leadIdForAnonymous(anonymousId);
  return leadId ? { kind: 'lead', id: leadId } : { kind: 'anonymous', id: anonymousId };
}

export const handler = httpBodyHandler(logger, config.MAX_BODY_BYTES, async (event: ParsedBodyEvent) => {
  const parsed = EventBatch.safeParse(event.parsedBody);
  if (!parsed.success) throw validationError(parsed.error);
  const receivedAt = new Date().toISOString();
  const correlationId = event.requestContext.requestId;

  const results = await Promise.all(
    parsed.data.events.map(async (input) => {
      const subject = await subjectOf(input, receivedAt);
      const status = await store.recordEvent(
        { id: input.id, type: input.type, occurredAt: new Date(input.occurredAt).toISOString(), receivedAt, properties: input.properties },
        subject,
      );
      return { id: input.id, status, subject };
    }),
  );

  // Duplicates are published again: an earlier attempt may have stored them and then failed to publish.
  // Scoring applies each event once, so a second publish cannot count twice.
  const toScore: DomainEvent[] = results.flatMap(({ id, subject }) =>
    subject.kind === 'lead'
      ? [{ detailType: DetailType.EngagementRecorded, detail: { version: 1, correlationId, eventId: id, leadId: subject.id } }]
      : [],
  );
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
});
