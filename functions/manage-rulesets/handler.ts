import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { describeError } from '../../src/domain/errors';
import { RulesetStore, type RescoreJob, type StoredRuleset } from '../../src/adapters/ruleset-store';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { DetailType } from '../../src/domain/events';
import { diffRulesets } from '../../src/domain/scoring/diff';
import { RulesetVersion } from '../../src/domain/scoring/ruleset';
import { validateRuleset } from '../../src/domain/scoring/validate';
import { HttpError, parameter } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageRulesetsRoutes } from './routes';
import { pageBody } from '../../src/http/page-query';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

async function existing(version: string): Promise<StoredRuleset> {
  const stored = await rulesets.get(version);
  if (!stored) throw new HttpError(404, `No ruleset version ${version}`);
  return stored;
}

const listing = (stored: StoredRuleset) => {
  const { ruleset, ...rest } = stored;
  return { ...rest, rules: ruleset.rules.length };
};

const rescoringStarted = (job: RescoreJob) => json(202, { version: job.rulesetVersion, jobId: job.jobId, progress: `/v1/admin/rescoring/${job.jobId}` });

const progress = (job: RescoreJob) => ({
  ...job,
  status: job.planned && job.done >= job.total ? 'done' : 'running',
  progress: `${job.done} / ${job.total}${job.planned ? '' : '+'}`,
});

/**
 * Starts (or, after a failed publish, restarts) the planning of a job; pages are counted once. If the
 * bus refuses, the version is active but nothing is rescored yet: the caller is told to repeat the
 * activation, which starts the planning of the same job.
 */
async function startPlanning(job: RescoreJob) {
  try {
    await publisher.publish([
      { detailType: DetailType.RescorePageRequested, detail: { version: 1, correlationId: job.jobId, jobId: job.jobId, rulesetVersion: job.rulesetVersion, page: 0 } },
    ]);
  } catch (error) {
    logger.error('Rescoring not started', { jobId: job.jobId, rulesetVersion: job.rulesetVersion, error: describeError(error) });
    throw new HttpError(503, `Ruleset ${job.rulesetVersion} is active but rescoring has not started; repeat the activation to start it`, undefined, { 'retry-after': '2' });
  }
}

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, manageRulesetsRoutes, {
  listRulesets: async ({ query }) => {
    const [page, active] = await Promise.all([rulesets.listPage(query), rulesets.activeVersion()]);
    return json(200, { active, ...pageBody({ ...page, items: page.items.map(listing) }) });
  },

  getRuleset: async ({ params }) => json(200, await existing(params.version)),

  validateRuleset: async ({ body }) => {
    const result = validateRuleset(body);
    return json(200, { valid: result.valid, issues: result.issues });
  },

  saveRulesetDraft: async ({ params: { version }, body }) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'Invalid request: the body must be a ruleset object', [{ field: '(body)', message: 'must be a ruleset object' }]);
    }
    const draft = { version, ...body };
    if (draft.version !== version) {
      throw new HttpError(400, `Invalid request: version ${JSON.stringify(draft.version)} differs from the URL's ${version}`, [{ field: 'version', message: `must be ${version}, as in the URL` }]);
    }
    const result = validateRuleset(draft);
    if (!result.valid) {
      const issues = result.issues.map((issue) => ({ field: issue.path, message: issue.message }));
      throw new HttpError(400, `Invalid ruleset: ${issues.length} problem(s), first ${issues[0]?.field} ${issues[0]?.message}`, issues);
    }
    const outcome = await rulesets.saveDraft(result.ruleset, new Date().toISOString());
    if (outcome === 'not-a-draft') throw new HttpError(409, `Ruleset ${version} is active or retired and cannot change; save the draft under a new version`);
    logger.info('Draft saved', { version, rules: result.ruleset.rules.length });
    return json(200, listing(await existing(version)));
  },

  diffRuleset: async ({ params: { version }, query }) => {
    const against = query.against ?? parameter(await rulesets.activeVersion(), 'against', RulesetVersion);
    const [before, after] = await Promise.all([existing(against), existing(version)]);
    return json(200, diffRulesets(before.ruleset, after.ruleset));
  },

  activateRuleset: async ({ params: { version } }) => {
    const outcome = await rulesets.activate(version, randomUUID(), new Date().toISOString());
    if (outcome.outcome === 'activated') {
      logger.info('Ruleset activated', { version, jobId: outcome.job.jobId });
      await startPlanning(outcome.job);
      return rescoringStarted(outcome.job);
    }
    if (outcome.outcome === 'not-found') throw new HttpError(404, `No ruleset version ${version}`);
    if (outcome.outcome === 'not-backtested') throw new HttpError(409, `Ruleset ${version} has not been back-tested; run POST /v1/admin/rulesets/${version}/backtest first`);
    if (outcome.outcome === 'changed-meanwhile') throw new HttpError(409, `Ruleset ${version} or the active ruleset changed meanwhile; back-test again and retry`);
    const stored = await existing(version);
    const job = stored.status === 'active' && stored.rescoreJobId ? await rulesets.getJob(stored.rescoreJobId) : undefined;
    // Activated earlier but the rescoring never started (the publish failed): start it now.
    if (job && !job.planned && job.total === 0) {
      await startPlanning(job);
      return rescoringStarted(job);
    }
    throw new HttpError(409, `Ruleset ${version} is ${stored.status}, not a draft`);
  },

  getRescoringJob: async ({ params: { jobId } }) => {
    const job = await rulesets.getJob(jobId);
    if (!job) throw new HttpError(404, `No rescoring job ${jobId}`);
    return json(200, progress(job));
  },
});
