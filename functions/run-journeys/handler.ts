import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { METRICS_NAMESPACE, PipelineMetric } from '../../manifest/metrics';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { ConsentStore } from '../../src/adapters/consent-store';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { DateEntryStore, EnrolmentStore, PublishedJourneys } from '../../src/adapters/journey-store';
import { LatencyMetric } from '../../src/adapters/latency-metric';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { RulesetVersionReader } from '../../src/adapters/ruleset-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { LifespanStore } from '../../src/adapters/lifespan-store';
import { DateEntryRefresh } from '../../src/app/journey-date-entries';
import { JourneyRunner } from '../../src/app/journey-runner';
import { JourneyStepActions } from '../../src/app/journey-steps';
import { LeadViewer } from '../../src/app/lead-views';
import { StageChanges } from '../../src/app/stage-changes';
import { readConfig, setting } from '../../src/config';
import { DetailType, EngagementRecordedDetail, JourneyEmailStepEndedDetail, JourneyEnrolmentRequestedDetail, JourneyStepDueDetail, LeadContactChangedDetail, LeadQualifiedDetail, LeadSegmentChangedDetail, LeadStageChangedDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const timerLateness = new LatencyMetric(METRICS_NAMESPACE, 'run-journeys', PipelineMetric.JourneyTimerLateness);
const client = documentClient();
const tableName = config.TABLE_NAME;
const leads = new LeadStore(client, tableName);
const leadEvents = new LeadEventStore(client, tableName);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const journeys = new PublishedJourneys(client, tableName);
const runner = new JourneyRunner({
  journeys,
  enrolments: new EnrolmentStore(client, tableName),
  leads,
  views: new LeadViewer(new RulesetVersionReader(client, tableName), new LifespanStore(client, tableName)),
  actions: new JourneyStepActions({
    stageChanges: new StageChanges({ leads, lifecycle: new LifecycleStore(client, tableName), publisher, logger }),
    consents: new ConsentStore(client, tableName),
    publisher,
  }),
  log: logger,
  // Twice the function's timeout: a step claimed longer ago was left by a runner that died.
  abandonedClaimMs: 2 * 60_000,
});

const dateEntries = new DateEntryRefresh({ journeys, leads, index: new DateEntryStore(client, tableName) });

const BusEvent = leadflowBusEvent({ [DetailType.EngagementRecorded]: EngagementRecordedDetail, [DetailType.LeadStageChanged]: LeadStageChangedDetail, [DetailType.LeadQualified]: LeadQualifiedDetail, [DetailType.LeadContactChanged]: LeadContactChangedDetail, [DetailType.JourneyStepDue]: JourneyStepDueDetail, [DetailType.JourneyEmailStepEnded]: JourneyEmailStepEndedDetail, [DetailType.JourneyEnrolmentRequested]: JourneyEnrolmentRequestedDetail, [DetailType.LeadSegmentEntered]: LeadSegmentChangedDetail });

/** How far back a lead's history is read to find the events an `engagement.recorded` names. */
const RECENT_EVENTS = 100;

async function runRecord(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const busEvent = record.body;
  switch (busEvent['detail-type']) {
    case DetailType.JourneyStepDue: {
      const { leadId, journeyId, run, seq, wakeAt } = busEvent.detail;
      timerLateness.record(Math.max(0, Date.now() - Date.parse(wakeAt)));
      return runner.timerDue(leadId, journeyId, run, seq);
    }
    case DetailType.JourneyEmailStepEnded: {
      const { leadId, journeyId, run, seq } = busEvent.detail;
      return runner.emailStepEnded(leadId, journeyId, run, seq);
    }
    case DetailType.JourneyEnrolmentRequested: {
      const { journeyId, leadId, dateEntryAt } = busEvent.detail;
      const outcome = dateEntryAt ? await runner.enrol(journeyId, leadId, 'date', dateEntryAt) : await runner.enrol(journeyId, leadId, 'manual');
      logger.info('Journey enrolment requested', { journeyId, leadId, outcome, cause: dateEntryAt ? 'date' : 'manual' });
      return;
    }
    case DetailType.EngagementRecorded: {
      const { leadId, eventIds } = busEvent.detail;
      const wanted = new Set(eventIds);
      return runner.happenedInOrder(leadId, async () => {
        const recent = await leadEvents.eventsOf({ kind: 'lead', id: leadId }, { newestFirst: true, limit: RECENT_EVENTS });
        return recent
          .filter((candidate) => wanted.has(candidate.id))
          .reverse()
          .map((event) => ({ type: event.type, properties: event.properties }));
      });
    }
    case DetailType.LeadSegmentEntered: {
      const { leadId, segmentId } = busEvent.detail;
      return runner.happened({ leadId, event: { type: busEvent['detail-type'], properties: busEvent.detail } }, segmentId);
    }
    case DetailType.LeadContactChanged: {
      const { leadId, fields } = busEvent.detail;
      // A date attribute (or the time zone) written: the lead's date entries due soon go in the due-time index at their instant.
      if (await dateEntries.concerns(fields)) await dateEntries.refresh(leadId, new Date());
      return runner.happened({ leadId, event: { type: busEvent['detail-type'], properties: busEvent.detail } });
    }
    default:
      return runner.happened({ leadId: busEvent.detail.leadId, event: { type: busEvent['detail-type'], properties: busEvent.detail } });
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  try {
    return await processParsedSqsBatch(event, context, logger, BusEvent, runRecord);
  } finally {
    timerLateness.flush();
  }
};
