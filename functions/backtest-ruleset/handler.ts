import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { LeadHistories } from '../../src/adapters/lead-histories';
import { RoutingStore } from '../../src/adapters/routing-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { runBacktest } from '../../src/app/backtest-runner';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { backtestRulesetRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const history = new LeadHistories(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const routing = new RoutingStore(documentClient(), config.TABLE_NAME);

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, backtestRulesetRoutes, {
  backtestRuleset: async ({ params: { version }, body: window }) => {
    const [draft, active, routingConfig] = await Promise.all([rulesets.get(version), rulesets.active(), routing.get()]);
    if (!draft) throw new HttpError(404, `No ruleset version ${version}`);
    const { report, summary, durationMs } = await runBacktest(history, draft.ruleset, active, window, routingConfig?.config);
    await rulesets.recordBacktest(version, summary);
    logger.info('Back-test run', { version: version, against: active.version, leads: report.leads, events: report.events, durationMs });
    return json(200, { ...report, durationMs });
  },
});
