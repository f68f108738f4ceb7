import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { LeadEventStore, type StoredEvent } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { MAX_EVENTS_PER_SCORE_WRITE, ScoreStore } from '../../src/adapters/score-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { readConfig, setting } from '../../src/config';
import { METRICS_NAMESPACE, PipelineMetric } from '../../manifest/metrics';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry, processSqsBatch } from '../../src/app/batch';
import { DetailType, EngagementRecordedDetail, LeadIdentifiedDetail, type LeadQualifiedDetail } from '../../src/domain/events';
import { scoringView, type Lead } from '../../src/domain/lead';
import { apply, compareEvents } from '../../src/domain/scoring/engine';
import { qualifiedDetail, rescoredLead } from '../../src/domain/scoring/qualification';
import { publishPendingQualification } from '../../src/app/qualification-outbox';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'score-lead' });
const store = new LeadStore(documentClient(), config.TABLE_NAME);
const leadEvents = new LeadEventStore(documentClient(), config.TABLE_NAME);
const visitorLinks = new AnonymousLinks(documentClient(), config.TABLE_NAME);
const scores = new ScoreStore(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);


const BusEvent = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(DetailType.EngagementRecorded), detail: EngagementRecordedDetail }),
  z.object({ 'detail-type': z.literal(DetailType.LeadIdentified), detail: LeadIdentifiedDetail }),
]);

/** What one message asks for: events to add to a lead's score (none when there is nothing to do). */
interface ScoringWork {
  readonly leadId?: string;
  readonly eventIds: readonly string[];
  readonly correlationId: string;
}

const byTime = (a: StoredEvent, b: StoredEvent) => compareEvents({ at: a.occurredAt, eventId: a.id }, { at: b.occurredAt, eventId: b.id });

const publishPending = (leadId: string, pending: LeadQualifiedDetail | undefined) =>
  publishPendingQualification(leadId, pending, { publisher, scores, logger });

async function workFor(record: SQSRecord): Promise<ScoringWork> {
  const busEvent = BusEvent.parse(JSON.parse(record.body));
  const { correlationId } = busEvent.detail;
  if (busEvent['detail-type'] === DetailType.EngagementRecorded) {
    const event = await leadEvents.getEvent(busEvent.detail.eventId);
    if (!event) throw new Error(`Event ${busEvent.detail.eventId} not found`);
    // The stored subject is the truth: an event recorded for a visitor is scored when they identify.
    if (event.subject.kind !== 'lead') return { eventIds: [], correlationId };
    return { leadId: event.subject.id, eventIds: [event.id], correlationId };
  }
  const { leadId, anonymousId } = busEvent.detail;
  if ((await visitorLinks.leadIdForAnonymous(anonymousId)) !== leadId) return { eventIds: [], correlationId };
  const history = await leadEvents.eventsOf({ kind: 'anonymous', id: anonymousId });
  return { leadId, eventIds: history.map((event) => event.id), correlationId };
}

/**
 * The lead's score with `events` added. A lead last scored under another ruleset (one was activated
 * since) is first rescored from its history, so its score never mixes two rulesets.
 */
async function scoreWith(lead: Lead, events: readonly StoredEvent[], correlationId: string) {
  const ruleset = await rulesets.active();
  const view = scoringView(lead);
  let { score: state, pendingQualification: pending } = lead;
  if (state && state.rulesetVersion !== ruleset.version) {
    ({ state, pending } = rescoredLead(lead, await leadEvents.scoredHistory(lead.id), ruleset, correlationId, new Date().toISOString()));
  }
  for (const event of events) {
    const change = apply(state, { event, lead: view }, ruleset);
    state = change.state;
    if (change.qualified) pending = qualifiedDetail(lead.id, state, change.qualified, correlationId, event.receivedAt);
  }
  return { state, pending };
}

/** Adds a batch's events to one lead exactly once, in as few writes as possible, retrying on conflicts. */
async function scoreLead(leadId: string, eventIds: readonly string[], correlationId: string): Promise<void> {
  let attempt = 0;
  while (attempt < OPTIMISTIC_ATTEMPTS) {
    const [lead, events] = await Promise.all([store.getLead(leadId), leadEvents.getEvents(eventIds)]);
    if (!lead) throw new Error(`Lead ${leadId} not found`);
    const unscored = events.filter((event) => !event.scoredAt).sort(byTime);
    if (unscored.length === 0) {
      await publishPending(lead.id, lead.pendingQualification);
      return;
    }
    const chunk = unscored.slice(0, MAX_EVENTS_PER_SCORE_WRITE);
    const { state, pending } = await scoreWith(lead, chunk, correlationId);
    if (!state) throw new Error(`Lead ${leadId} has no score after scoring ${chunk.length} event(s)`);
    const scoredAt = new Date();
    const outcome = await scores.applyScores(lead, chunk, state, scoredAt.toISOString(), pending);
    if (outcome === 'applied') {
      for (const event of chunk) metrics.addMetric(PipelineMetric.ScoreLatency, MetricUnit.Milliseconds, scoredAt.getTime() - Date.parse(event.receivedAt));
      logger.debug('Events scored', { leadId, events: chunk.length, total: state.total });
      await publishPending(lead.id, pending);
      if (chunk.length === unscored.length) return;
      continue;
    }
    attempt += 1;
    if (outcome === 'lead-changed') await pauseBeforeRetry(attempt);
  }
  throw new Error(`Lead ${leadId} kept changing; giving up after ${OPTIMISTIC_ATTEMPTS} attempts`);
}

/**
 * Groups a batch by lead so each lead is read and written once per batch; each record then succeeds
 * or fails with its lead's write, which Powertools turns into a partial batch response.
 */
function scoreBatch(records: readonly SQSRecord[]): Map<string, Promise<void>> {
  const works = new Map(records.map((record) => [record.messageId, workFor(record)]));
  const byRecord = new Map<string, Promise<void>>();
  const grouped = Promise.allSettled(works.values()).then((settled) => {
    const groups = new Map<string, { eventIds: Set<string>; correlationId: string }>();
    for (const result of settled) {
      if (result.status !== 'fulfilled' || !result.value.leadId) continue;
      const group = groups.get(result.value.leadId) ?? { eventIds: new Set<string>(), correlationId: result.value.correlationId };
      result.value.eventIds.forEach((eventId) => group.eventIds.add(eventId));
      groups.set(result.value.leadId, group);
    }
    return new Map([...groups].map(([leadId, group]) => [leadId, scoreLead(leadId, [...group.eventIds], group.correlationId)]));
  });
  for (const record of records) {
    byRecord.set(
      record.messageId,
      (async () => {
        const work = await works.get(record.messageId);
        if (!work?.leadId) return;
        await (await grouped).get(work.leadId);
      })(),
    );
  }
  return byRecord;
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  const outcomes = scoreBatch(event.Records);
  // Failures surface per record below; this keeps unobserved rejections from being reported twice.
  outcomes.forEach((outcome) => outcome.catch(() => undefined));
  const processRecord = async (record: SQSRecord) => outcomes.get(record.messageId);
  try {
    return await processSqsBatch(event, context, logger, processRecord);
  } finally {
    metrics.publishStoredMetrics();
  }
};
