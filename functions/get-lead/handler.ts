import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { LeadPage } from '../../src/app/lead-page';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { maySeeLead } from '../../src/domain/roles';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { getLeadRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const leadPage = new LeadPage({
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  events: new LeadEventStore(documentClient(), config.TABLE_NAME),
  stageChanges: new LifecycleStore(documentClient(), config.TABLE_NAME),
  rulesets: new RulesetStore(documentClient(), config.TABLE_NAME),
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, getLeadRoutes, {
  getLead: async ({ params: { leadId }, caller }) => json(200, await leadPage.show(leadId, new Date().toISOString(), (owner) => maySeeLead(caller, owner))),
  getLeadScoreHistory: async ({ params: { leadId }, caller }) => json(200, await leadPage.scoreHistory(leadId, new Date().toISOString(), (owner) => maySeeLead(caller, owner))),
});
