import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { DataRights } from '../../src/adapters/data-rights';
import * as keys from '../../src/adapters/keys';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { cachedSecret } from '../../src/adapters/secrets';
import { SuppressionStore } from '../../src/adapters/suppression-store';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { addressHash } from '../../src/domain/consent/suppression';
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
    const at = new Date().toISOString();
    await suppressions.keepAfterErasure(addressHash(await privacySalt(), holdings.lead.email), at);
    const jobIds = (await rulesets.list()).flatMap((ruleset) => (ruleset.rescoreJobId ? [ruleset.rescoreJobId] : []));
    const deleted = await dataRights.erase(holdings, jobIds.map((jobId) => keys.leadRescored(jobId, holdings.lead.id)));
    // The log names an erasure id, never the lead: after erasure nothing should lead back to it.
    const erasureId = randomUUID();
    logger.info('Lead erased', { erasureId, items: deleted });
    return json(200, { erased: true, erasureId, items: deleted });
  },
});
