import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { JourneyStore } from '../../src/adapters/journey-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { TemplateStore } from '../../src/adapters/template-store';
import { Journeys } from '../../src/app/journeys';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { InvalidInput } from '../../src/domain/errors';
import { issuePath } from '../../src/domain/journeys/validate';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageJourneysRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({
  TABLE_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const journeys = new Journeys({
  journeys: new JourneyStore(documentClient(), config.TABLE_NAME),
  templates: new TemplateStore(documentClient(), config.TABLE_NAME),
  subscriptionTypes: new SubscriptionTypeStore(documentClient(), config.TABLE_NAME).current,
  log: logger,
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageJourneysRoutes, {
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
  getJourneyReport: async ({ params: { journeyId } }) => json(200, await journeys.report(journeyId)),
});
