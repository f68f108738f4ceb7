import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { parseRecord, processSqsBatch } from '../../src/adapters/sqs-records';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { AnonymousLinks } from '../../src/adapters/anonymous-links';
import { LatencyMetric } from '../../src/adapters/latency-metric';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { ScoreStore } from '../../src/adapters/score-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { readConfig, setting } from '../../src/config';
import { METRICS_NAMESPACE, PipelineMetric } from '../../manifest/metrics';

import { LeadScoring } from '../../src/app/lead-scoring';
import { DetailType, EngagementRecordedDetail, LeadIdentifiedDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const scoreLatency = new LatencyMetric(METRICS_NAMESPACE, 'score-lead', PipelineMetric.ScoreLatency);
const scoring = new LeadScoring({
  recorded: new LeadEventStore(documentClient(), config.TABLE_NAME),
  visitors: new AnonymousLinks(documentClient(), config.TABLE_NAME),
  scores: new ScoreStore(documentClient(), config.TABLE_NAME),
  rulesets: new RulesetStore(documentClient(), config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  latency: scoreLatency,
  log: logger,
});

const BusEvent = leadflowBusEvent({ [DetailType.EngagementRecorded]: EngagementRecordedDetail, [DetailType.LeadIdentified]: LeadIdentifiedDetail });

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  const outcomes = scoring.scoreBatch(event.Records.map((record) => ({ id: record.messageId, read: () => parseRecord(BusEvent, record).body })));
  // Failures surface per record below; this keeps unobserved rejections from being reported twice.
  outcomes.forEach((outcome) => outcome.catch(() => undefined));
  const processRecord = async (record: SQSRecord) => outcomes.get(record.messageId);
  try {
    return await processSqsBatch(event, context, logger, processRecord);
  } finally {
    scoreLatency.flush();
  }
};
