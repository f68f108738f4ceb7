import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { DataRights } from '../../src/adapters/data-rights';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { recurringSurveyIds } from '../../src/adapters/recurring-surveys';
import { oneTimeSchedules } from '../../src/adapters/scheduler';
import { cachedSecret } from '../../src/adapters/secrets';
import { SuppressionStore } from '../../src/adapters/suppression-store';
import { reassessmentScheduleName, surveyScheduleName } from '../../src/app/care-timers';
import { erasureSweep } from '../../src/app/erasure-sweep';
import { erasureSweepDelaySeconds, positiveInteger, readConfig, setting } from '../../src/config';
import { addressHash } from '../../src/domain/consent/suppression';
import { pendingFollowUpTimers } from '../../src/domain/handoff/follow-up';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { leadDataRightsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({ TABLE_NAME: setting, PRIVACY_SALT_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const leads = new LeadStore(client, config.TABLE_NAME);
const rulesets = new RulesetStore(client, config.TABLE_NAME);
const suppressions = new SuppressionStore(client, config.TABLE_NAME);
const dataRights = new DataRights(client, config.TABLE_NAME, leads);
const privacySalt = cachedSecret(secretsManagerClient(), config.PRIVACY_SALT_SECRET, (salt) => salt);
const timers = oneTimeSchedules();
const sweepDelayMs = erasureSweepDelaySeconds() * 1000;

async function holdingsOf(leadId: string) {
  const holdings = await dataRights.holdings(leadId);
  if (!holdings) throw new HttpError(404, `No lead with id ${leadId}`);
  return holdings;
}

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, leadDataRightsRoutes, {
  // Right of access and portability: everything held about the lead, as JSON.
  exportLead: async ({ params }) => {
    const holdings = await holdingsOf(params.leadId);
    logger.info('Lead exported', { leadId: holdings.lead.id, items: holdings.own.length + holdings.events.length });
    return json(200, DataRights.exportOf(holdings, new Date().toISOString()), { 'content-disposition': `attachment; filename="lead-${holdings.lead.id}.json"` });
  },

  // Right to erasure: every item that names the lead goes; the address stays suppressed as a hash.
  eraseLead: async ({ params }) => {
    const holdings = await holdingsOf(params.leadId);
    const now = new Date();
    // The log names an erasure id, never the lead: after erasure nothing should lead back to it.
    const erasureId = randomUUID();
    // Its sweep is set before anything goes: an erasure refused here deleted nothing, and one that stops
    // after is finished by running it again, which sets a sweep of its own.
    await timers.put(erasureSweep(holdings.lead.id, erasureId, new Date(now.getTime() + sweepDelayMs)));
    // The lead's timers whose names or inputs hold its id: its MQL follow-up's and, as a customer, its
    // daily reassessment's and each recurring survey's next round (a round's timer lives for months).
    const surveyIds = await recurringSurveyIds(client, config.TABLE_NAME);
    const timerNames = [...pendingFollowUpTimers(holdings.lead), reassessmentScheduleName(holdings.lead.id), ...surveyIds.map((surveyId) => surveyScheduleName(surveyId, holdings.lead.id))];
    for (const name of timerNames) await timers.delete(name);
    await suppressions.keepAfterErasure(addressHash(await privacySalt(), holdings.lead.email), now.toISOString());
    const deleted = await dataRights.erase(holdings, await rulesets.rescoreMarkersOf(holdings.lead.id));
    logger.info('Lead erased', { erasureId, items: deleted });
    return json(200, { erased: true, erasureId, items: deleted });
  },
});
