import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { RulesetManagement } from '../../src/app/rulesets';
import { positiveInteger, readConfig, setting } from '../../src/config';
import type { RescoreJob } from '../../src/domain/scoring/stored-ruleset';
import { json } from '../../src/http/middleware';
import { pageBody } from '../../src/http/page-query';
import { routesHandler } from '../../src/http/routes';
import { manageRulesetsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const rulesets = new RulesetManagement({
  rulesets: new RulesetStore(documentClient(), config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  log: logger,
});

const rescoringStarted = (job: RescoreJob) => json(202, { version: job.rulesetVersion, jobId: job.jobId, progress: `/v1/admin/rescoring/${job.jobId}` });

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageRulesetsRoutes, {
  listRulesets: async ({ query }) => {
    const { active, page } = await rulesets.list(query);
    return json(200, { active, ...pageBody(page) });
  },

  getRuleset: async ({ params }) => json(200, await rulesets.get(params.version)),

  validateRuleset: async ({ body }) => json(200, rulesets.validate(body)),

  saveRulesetDraft: async ({ params: { version }, body }) => json(200, await rulesets.saveDraft(version, body)),

  diffRuleset: async ({ params: { version }, query }) => json(200, await rulesets.diff(version, query.against)),

  activateRuleset: async ({ params: { version } }) => rescoringStarted(await rulesets.activate(version)),

  getRescoringJob: async ({ params: { jobId } }) => json(200, await rulesets.rescoringProgress(jobId)),
});
