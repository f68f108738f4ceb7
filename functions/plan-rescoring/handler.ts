import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadListing } from '../../src/adapters/lead-listing';
import { KeptPages } from '../../src/adapters/kept-pages';
import * as keys from '../../src/adapters/keys';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';

import { readConfig, setting } from '../../src/config';
import { DetailType, RescorePageRequestedDetail } from '../../src/domain/events';
import { fanOutLeadPage } from '../../src/app/lead-fan-out';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const leads = new LeadListing(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
// Each page as first listed, kept until published (PAGE#<page id> under the job).
const pages = new KeptPages(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

/** Leads listed per page; each page becomes a few rescoring messages and, if more remain, the next page. */
const LEADS_PER_PAGE = 500;
const LEADS_PER_MESSAGE = 25;

const BusEvent = leadflowBusEvent({ [DetailType.RescorePageRequested]: RescorePageRequestedDetail });

/**
 * Plans one page of a rescoring job: lists the next leads, counts them into the job once, and fans
 * them out to the rescoring queue. A retried page publishes the leads it first listed again
 * (rescoring a lead twice is a no-op).
 */
async function planPage(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { detail } = record.body;
  const envelope = { version: 1 as const, correlationId: detail.correlationId, jobId: detail.jobId, rulesetVersion: detail.rulesetVersion };
  const pageId = `page-${detail.page}`;
  const pageKey = keys.rescorePage(detail.jobId, pageId);
  const planned = await fanOutLeadPage({
    leads,
    publisher,
    ...(detail.cursor ? { cursor: detail.cursor } : {}),
    pageSize: LEADS_PER_PAGE,
    chunkSize: LEADS_PER_MESSAGE,
    select: async (leadIds) => leadIds,
    pages: { keep: (page) => pages.keep(pageKey, page), finish: () => pages.finish(pageKey) },
    record: (count, isLast) => rulesets.recordPlannedPage(detail.jobId, pageId, count, isLast, new Date().toISOString()),
    chunk: (leadIds) => ({ detailType: DetailType.LeadsRescoreRequested, detail: { ...envelope, leadIds } }),
    nextPage: (cursor) => ({ detailType: DetailType.RescorePageRequested, detail: { ...envelope, page: detail.page + 1, cursor } }),
  });
  if (planned === 'finished') logger.info('Rescoring page planned before; nothing to do', { jobId: detail.jobId, page: detail.page });
  else logger.info('Rescoring page planned', { jobId: detail.jobId, page: detail.page, leads: planned.selected, last: planned.last });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, planPage);
};
