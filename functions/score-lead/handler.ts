import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, eventBridgeClient } from '../../shared/adapters/clients';
import { EventBridgePublisher } from '../../shared/adapters/event-publisher';
import { LeadStore, type StoredEvent } from '../../shared/adapters/lead-store';
import { readConfig, setting } from '../../shared/config';
import { logFailures } from '../../shared/batch';
import { DetailType, EngagementRecordedDetail, LeadIdentifiedDetail } from '../../shared/domain/events';
import { scoringView } from '../../shared/domain/lead';
import { applyEvent } from '../../shared/domain/scoring/engine';
import { qualifiedDetail } from '../../shared/domain/scoring/qualification';
import { starterRuleset } from '../../shared/domain/scoring/starter-ruleset';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const store = new LeadStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const processor = new BatchProcessor(EventType.SQS);
const ruleset = starterRuleset;

/** Optimistic-lock retries when another consumer updates the same lead between read and write. */
const MAX_ATTEMPTS = 6;

const BusEvent = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(DetailType.EngagementRecorded), detail: EngagementRecordedDetail }),
  z.object({ 'detail-type': z.literal(DetailType.LeadIdentified), detail: LeadIdentifiedDetail }),
]);

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));

/** Publishes a qualification kept in the lead's outbox, then clears it. */
async function publishPending(leadId: string, pending: NonNullable<Awaited<ReturnType<LeadStore['getLead']>>>['pendingQualification']) {
  if (!pending) return;
  await publisher.publish([{ detailType: DetailType.LeadQualified, detail: pending }]);
  await store.clearPendingQualification(leadId, pending.qualification);
  logger.info('Lead qualified', { leadId, qualification: pending.qualification, rulesetVersion: pending.rulesetVersion });
}

/** Adds one stored event to a lead's score exactly once, retrying when the lead changed underneath. */
async function scoreOnce(eventId: string, leadId: string, correlationId: string): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const [event, lead] = await Promise.all([store.getEvent(eventId), store.getLead(leadId)]);
    if (!event) throw new Error(`Event ${eventId} not found`);
    if (!lead) throw new Error(`Lead ${leadId} not found`);
    if (event.scoredAt) {
      await publishPending(lead.id, lead.pendingQualification);
      return;
    }
    const change = applyEvent(lead.score, event, scoringView(lead), ruleset);
    const pending = change.qualified ? qualifiedDetail(lead.id, change.state, change.qualified, correlationId) : lead.pendingQualification;
    const outcome = await store.applyScore(lead, event, change.state, new Date().toISOString(), pending);
    if (outcome === 'applied') {
      logger.debug('Event scored', { leadId, eventId, hits: change.hits, total: change.state.total });
      await publishPending(lead.id, pending);
      return;
    }
    if (outcome === 'already-applied') {
      await publishPending(lead.id, lead.pendingQualification);
      return;
    }
    await pause(attempt);
  }
  throw new Error(`Lead ${leadId} kept changing; giving up after ${MAX_ATTEMPTS} attempts`);
}

async function scoreRecorded(detail: EngagementRecordedDetail): Promise<void> {
  const event = await store.getEvent(detail.eventId);
  if (!event) throw new Error(`Event ${detail.eventId} not found`);
  // The stored subject is the truth: an event recorded for a visitor is scored when they identify.
  if (event.subject.kind !== 'lead') return;
  await scoreOnce(event.id, event.subject.id, detail.correlationId);
}

async function scoreIdentifiedHistory(detail: LeadIdentifiedDetail): Promise<void> {
  if ((await store.leadIdForAnonymous(detail.anonymousId)) !== detail.leadId) return;
  const history: StoredEvent[] = await store.eventsOf({ kind: 'anonymous', id: detail.anonymousId });
  for (const event of history) await scoreOnce(event.id, detail.leadId, detail.correlationId);
}

async function processRecord(record: SQSRecord): Promise<void> {
  const busEvent = BusEvent.parse(JSON.parse(record.body));
  if (busEvent['detail-type'] === DetailType.EngagementRecorded) await scoreRecorded(busEvent.detail);
  else await scoreIdentifiedHistory(busEvent.detail);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, logFailures(logger, processRecord), processor, { context, throwOnFullBatchFailure: false });
};
