import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { ScoreStore } from '../../src/adapters/score-store';
import { SegmentMembershipStore } from '../../src/adapters/segment-membership-store';
import { SegmentStore } from '../../src/adapters/segment-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { LifespanStore } from '../../src/adapters/lifespan-store';
import { Audience } from '../../src/app/audience';
import { SegmentTracking } from '../../src/app/segment-tracking';
import { readConfig, setting } from '../../src/config';
import { unapplied } from '../../src/domain/event-log';
import { DetailType, EngagementRecordedDetail, LeadContactChangedDetail, LeadIdentifiedDetail, LeadQualifiedDetail, LeadSegmentCheckDueDetail, LeadStageChangedDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const client = documentClient();
const scores = new ScoreStore(client, config.TABLE_NAME);
const segments = new SegmentStore(client, config.TABLE_NAME);
/** Tracked segments are read at most every 5 seconds per container (one small query): a segment marked tracked (or edited) holds from then on. */
const TRACKED_SEGMENTS_TTL_MS = 5_000;
let trackedSegments: { readonly segments: ReturnType<SegmentStore['tracked']>; readonly until: number } | undefined;
const tracked = () => {
  if (!trackedSegments || trackedSegments.until <= Date.now()) {
    const read = segments.tracked();
    read.catch(() => (trackedSegments = undefined));
    trackedSegments = { segments: read, until: Date.now() + TRACKED_SEGMENTS_TTL_MS };
  }
  return trackedSegments.segments;
};
const tracking = new SegmentTracking({
  leads: new LeadStore(client, config.TABLE_NAME),
  segments: { tracked },
  // The audience lists no leads here: it only decides for one lead at a time.
  audience: new Audience({ leadsPage: async () => ({ leads: [] }) }, new LeadEventStore(client, config.TABLE_NAME), new RulesetStore(client, config.TABLE_NAME), new LifespanStore(client, config.TABLE_NAME)),
  memberships: new SegmentMembershipStore(client, config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  scores: {
    isCurrent: async (leadId) => {
      const view = await scores.scoringView(leadId);
      return !view || unapplied(view.recorded, view.watermark).length === 0;
    },
  },
  log: logger,
});

const BusEvent = leadflowBusEvent({ [DetailType.EngagementRecorded]: EngagementRecordedDetail, [DetailType.LeadIdentified]: LeadIdentifiedDetail, [DetailType.LeadQualified]: LeadQualifiedDetail, [DetailType.LeadContactChanged]: LeadContactChangedDetail, [DetailType.LeadStageChanged]: LeadStageChangedDetail, [DetailType.LeadSegmentCheckDue]: LeadSegmentCheckDueDetail });

async function trackLead(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { detail, 'detail-type': detailType } = record.body;
  // New events change the score: their segments are looked at once the scorer has applied them.
  if (detailType === DetailType.EngagementRecorded || detailType === DetailType.LeadIdentified) await tracking.trackScored(detail.leadId, detail.correlationId);
  // The sweep found the lead's check due: a membership may have flipped with time alone.
  else if (detailType === DetailType.LeadSegmentCheckDue) await tracking.checkDue(detail.leadId, detail.correlationId);
  else await tracking.track(detail.leadId, detail.correlationId);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, trackLead);
};
