import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, eventBridgeClient } from '../../shared/adapters/clients';
import { EventBridgePublisher } from '../../shared/adapters/event-publisher';
import { LeadStore } from '../../shared/adapters/lead-store';
import { decodeCursor, encodeCursor, RulesetStore } from '../../shared/adapters/ruleset-store';
import { logFailures } from '../../shared/batch';
import { readConfig, setting } from '../../shared/config';
import { DetailType, RescorePageRequestedDetail, type DomainEvent } from '../../shared/domain/events';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const processor = new BatchProcessor(EventType.SQS);

/** Leads listed per page; each page becomes a few rescoring messages and, if more remain, the next page. */
const LEADS_PER_PAGE = 500;
const LEADS_PER_MESSAGE = 25;

const BusEvent = z.object({ 'detail-type': z.literal(DetailType.RescorePageRequested), detail: RescorePageRequestedDetail });

/**
 * Plans one page of a rescoring job: lists the next leads, counts them into the job once, and fans
 * them out to the rescoring queue. A retried page publishes again (rescoring a lead twice is a no-op).
 */
async function planPage(record: SQSRecord): Promise<void> {
  const { detail } = BusEvent.parse(JSON.parse(record.body));
  const page = await leads.listLeadIds(LEADS_PER_PAGE, detail.cursor ? decodeCursor(detail.cursor) : undefined);
  await rulesets.recordPlannedPage(detail.jobId, `page-${detail.page}`, page.leadIds.length, !page.cursor, new Date().toISOString());
  const envelope = { version: 1 as const, correlationId: detail.correlationId, jobId: detail.jobId, rulesetVersion: detail.rulesetVersion };
  const events: DomainEvent[] = [];
  for (let index = 0; index < page.leadIds.length; index += LEADS_PER_MESSAGE) {
    events.push({ detailType: DetailType.LeadsRescoreRequested, detail: { ...envelope, leadIds: page.leadIds.slice(index, index + LEADS_PER_MESSAGE) } });
  }
  if (page.cursor) events.push({ detailType: DetailType.RescorePageRequested, detail: { ...envelope, page: detail.page + 1, cursor: encodeCursor(page.cursor) } });
  await publisher.publish(events);
  logger.info('Rescoring page planned', { jobId: detail.jobId, page: detail.page, leads: page.leadIds.length, last: !page.cursor });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, logFailures(logger, planPage), processor, { context, throwOnFullBatchFailure: false });
};
