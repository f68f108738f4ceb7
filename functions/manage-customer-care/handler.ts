import { Logger } from '@aws-lambda-powertools/logger';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { isThrottling, throttlingRefusal } from '../../src/adapters/throttling';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { CareAdmin } from '../../src/app/care-admin';
import { HELP_DESK_SEAL_ID } from '../../src/app/help-desk-intake';
import { StageChanges } from '../../src/app/stage-changes';
import { TicketIntake } from '../../src/app/ticket-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { FRESHDESK_SIMPLE_FIELDS, FRESHDESK_WEBHOOK_BODY, HELP_DESK_WEBHOOK_PATH, ZENDESK_TRIGGER_BODY } from '../../src/domain/care/help-desk';
import { newStandardSecret, sealSecret } from '../../src/domain/chat/sources';
import { MAX_REPORT_MONTHS, monthsBefore, monthsBetween } from '../../src/domain/handoff/report';
import { InvalidInput } from '../../src/domain/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageCustomerCareRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const care = new CareStore(client, config.TABLE_NAME);
const leads = new LeadStore(client, config.TABLE_NAME);
const lifecycle = new LifecycleStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
const emails = new EmailIndex(client, config.TABLE_NAME);
const admin = new CareAdmin({
  store: care,
  emails,
  requesters: care,
  leads,
  listing: new LeadListing(client, config.TABLE_NAME),
  stageChanges: new StageChanges({ leads, lifecycle, publisher, logger }),
  churnedIn: (month) => lifecycle.transitionsInMonth(month),
  publisher,
  subscriptionTypes: new SubscriptionTypeStore(client, config.TABLE_NAME).current,
  log: logger,
});
const tickets = new TicketIntake({ leads, emails, ledger: care, publisher, isThrottling, log: logger });

/** Months shown when the request names no start. */
const DEFAULT_MONTHS = 6;
/** Leads a timer backfill call looks at when the request names no limit: a few seconds of reads and events. */
const DEFAULT_BACKFILL_PAGE = 500;

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageCustomerCareRoutes, {
  getCareSettings: async () => json(200, await admin.settings()),
  replaceCareSettings: async ({ body }, event) => json(200, await admin.replaceSettings(body, event.requestContext.requestId)),
  getRiskFormula: async () => json(200, await admin.activeFormula()),
  saveRiskFormula: async ({ body }) => json(200, await admin.saveFormula(body.formula, body.expectedVersion)),
  recordTickets: async ({ body }, event) => json(200, { tickets: await tickets.recordAll(body.tickets, event.requestContext.requestId, new Date().toISOString()) }),

  requestSurvey: async ({ params: { surveyId }, body }, event) => {
    await admin.requestSurvey(surveyId, body.leadIds, body.requestId, event.requestContext.requestId);
    return json(202, { requested: body.leadIds.length });
  },

  connectHelpDesk: async ({ body }) => {
    const secret = body.kind === 'zendesk' ? (body.secret ?? '') : newStandardSecret();
    await care.saveHelpDesk({ kind: body.kind, secret: sealSecret(await keyRing(), HELP_DESK_SEAL_ID, secret), updatedAt: new Date().toISOString() });
    logger.info('Help desk connected', { kind: body.kind });
    const shown = { zendesk: { triggerBody: ZENDESK_TRIGGER_BODY }, freshdesk: { secret, webhookBody: FRESHDESK_WEBHOOK_BODY, simpleFields: [...FRESHDESK_SIMPLE_FIELDS] }, generic: { secret } }[body.kind];
    return json(200, { kind: body.kind, path: HELP_DESK_WEBHOOK_PATH, ...shown });
  },

  mapHelpDeskRequesters: async ({ body }) => json(200, { requesters: await admin.mapRequesters(body.kind, body.requesters, new Date().toISOString()) }),

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
