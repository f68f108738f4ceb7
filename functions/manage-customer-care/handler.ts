import { Logger } from '@aws-lambda-powertools/logger';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { isThrottling, throttlingRefusal } from '../../src/adapters/throttling';
import { CareAdmin } from '../../src/app/care-admin';
import { StageChanges } from '../../src/app/stage-changes';
import { TicketIntake } from '../../src/app/ticket-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { MAX_REPORT_MONTHS, monthsBefore, monthsBetween } from '../../src/domain/handoff/report';
import { InvalidInput } from '../../src/domain/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageCustomerCareRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const care = new CareStore(client, config.TABLE_NAME);
const leads = new LeadStore(client, config.TABLE_NAME);
const lifecycle = new LifecycleStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const admin = new CareAdmin({
  store: care,
  leads,
  listing: new LeadListing(client, config.TABLE_NAME),
  stageChanges: new StageChanges({ leads, lifecycle, publisher, logger }),
  churnedIn: (month) => lifecycle.transitionsInMonth(month),
  publisher,
  log: logger,
});
const tickets = new TicketIntake({ leads, emails: new EmailIndex(client, config.TABLE_NAME), ledger: care, publisher, isThrottling, log: logger });

/** Months shown when the request names no start. */
const DEFAULT_MONTHS = 6;
/** Leads a timer backfill call looks at when the request names no limit: a few seconds of reads and events. */
const DEFAULT_BACKFILL_PAGE = 500;

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageCustomerCareRoutes, {
  recordTickets: async ({ body }, event) => json(200, { tickets: await tickets.recordAll(body.tickets, event.requestContext.requestId, new Date().toISOString()) }),

  requestSurvey: async ({ params: { surveyId }, body }, event) => {
    await admin.requestSurvey(surveyId, body.leadIds, body.requestId, event.requestContext.requestId);
    return json(202, { requested: body.leadIds.length });
  },

  churnCustomer: async ({ params: { leadId }, body }, event) => json(200, await admin.churn(leadId, body.reason, body.actor, event.requestContext.requestId)),
  getCustomerCare: async ({ params: { leadId } }) => json(200, await admin.customer(leadId, new Date().toISOString())),

  backfillReassessmentTimers: async ({ body }, event) => json(200, await admin.backfillTimers(body.cursor, body.limit ?? DEFAULT_BACKFILL_PAGE, event.requestContext.requestId)),

  getCareReport: async ({ query }) => {
    const to = query.to ?? new Date().toISOString().slice(0, 7);
    const from = query.from ?? monthsBefore(to, DEFAULT_MONTHS);
    if (from > to) throw InvalidInput.field('from', 'must not be after to');
    const months = monthsBetween(from, to);
    if (months.length > MAX_REPORT_MONTHS) throw InvalidInput.field('from', `must be at most ${MAX_REPORT_MONTHS} months before to`);
    return json(200, await admin.report(months));
  },
});
