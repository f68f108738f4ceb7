import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { EnrolmentStore, JourneyStore, MoveAllStore } from '../../src/adapters/journey-store';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { TemplateStore } from '../../src/adapters/template-store';
import { JourneyMoveAll } from '../../src/app/journey-move-all';
import { Journeys } from '../../src/app/journeys';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { InvalidInput } from '../../src/domain/errors';
import { issuePath } from '../../src/domain/journeys/validate';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageJourneysRoutes } from './routes';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const journeyStore = new JourneyStore(documentClient(), config.TABLE_NAME);
const enrolments = new EnrolmentStore(documentClient(), config.TABLE_NAME);
const journeys = new Journeys({
  journeys: journeyStore,
  versions: journeyStore,
  enrolments,
  templates: new TemplateStore(documentClient(), config.TABLE_NAME),
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  subscriptionTypes: new SubscriptionTypeStore(documentClient(), config.TABLE_NAME).current,
  log: logger,
});

const moveAll = new JourneyMoveAll({
  journeys: journeyStore,
  versions: journeyStore,
  enrolments,
  leadIds: new LeadListing(documentClient(), config.TABLE_NAME),
  records: new MoveAllStore(documentClient(), config.TABLE_NAME),
  log: logger,
});
/** A move of every lead works this long per call, well inside the function's 10 s, then answers with its progress. */
const MOVE_ALL_WORK_MS = 6_000;

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, manageJourneysRoutes, {
  createJourney: async ({ body }) => json(201, await journeys.create(body)),
  validateJourneyDefinition: async ({ body }) => {
    const issues = await journeys.issues(body);
    if (issues.length) throw new InvalidInput(`Invalid journey: ${issues.length} problem(s)`, issues.map((issue) => ({ field: issuePath(issue), message: issue.message })));
    return json(200, { valid: true });
  },
  listJourneys: async ({ query }) => json(200, await journeys.list(query)),
  getJourney: async ({ params: { journeyId } }) => json(200, await journeys.get(journeyId)),
  saveJourneyDraft: async ({ params: { journeyId }, body }) => json(200, await journeys.saveDraft(journeyId, body)),
  publishJourney: async ({ params: { journeyId } }) => json(200, await journeys.publish(journeyId)),
  pauseJourney: async ({ params: { journeyId } }) => json(200, await journeys.control(journeyId, 'pause')),
  resumeJourney: async ({ params: { journeyId } }) => json(200, await journeys.control(journeyId, 'resume')),
  archiveJourney: async ({ params: { journeyId } }) => json(200, await journeys.control(journeyId, 'archive')),
  enrolInJourney: async ({ params: { journeyId }, body }) => json(202, await journeys.enrol(journeyId, body.leadId)),
  moveJourneyEnrolments: async ({ params: { journeyId }, body }) => json(200, await journeys.move(journeyId, body.leadIds, body.version)),
  moveAllJourneyEnrolments: async ({ params: { journeyId }, body }) => {
    const move = await moveAll.run(journeyId, body.version, Date.now() + MOVE_ALL_WORK_MS);
    return json(move.phase === 'done' ? 200 : 202, move);
  },
  getJourneyMoveAll: async ({ params: { journeyId } }) => json(200, await moveAll.progress(journeyId)),
  getJourneyReport: async ({ params: { journeyId } }) => json(200, await journeys.report(journeyId)),
});
