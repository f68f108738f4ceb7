import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { EnrolmentStore, JourneyStore, MoveAllStore } from '../../src/adapters/journey-store';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { JourneyEnrolments } from '../../src/app/journey-enrolments';
import { JourneyMoveAll } from '../../src/app/journey-move-all';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageJourneyEnrolmentsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const journeyStore = new JourneyStore(documentClient(), config.TABLE_NAME);
const enrolments = new EnrolmentStore(documentClient(), config.TABLE_NAME);
const journeyEnrolments = new JourneyEnrolments({
  journeys: journeyStore,
  versions: journeyStore,
  enrolments,
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
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

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageJourneyEnrolmentsRoutes, {
  enrolInJourney: async ({ params: { journeyId }, body }) => json(202, await journeyEnrolments.enrol(journeyId, body.leadId)),
  moveJourneyEnrolments: async ({ params: { journeyId }, body }) => json(200, await journeyEnrolments.move(journeyId, body.leadIds, body.version)),
  moveAllJourneyEnrolments: async ({ params: { journeyId }, body }) => {
    const move = await moveAll.run(journeyId, body.version, Date.now() + MOVE_ALL_WORK_MS);
    return json(move.phase === 'done' ? 200 : 202, move);
  },
  getJourneyMoveAll: async ({ params: { journeyId } }) => json(200, await moveAll.progress(journeyId)),
});
