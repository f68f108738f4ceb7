import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { ConsentIndexStore } from '../../src/adapters/consent-index';
import { EmailIndex } from '../../src/adapters/email-index';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { ScoreBandIndex } from '../../src/adapters/score-bands';
import { SegmentStore } from '../../src/adapters/segment-store';
import { throttlingRefusal } from '../../src/adapters/throttling';
import { ConsentIndexBackfill } from '../../src/app/consent-index-backfill';
import { LeadSearch } from '../../src/app/lead-search';
import { LeadsByScore, ScoreBandBackfill } from '../../src/app/leads-by-score';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { ownLeadsOnly } from '../../src/domain/roles';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { listLeadsRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const listing = new LeadListing(documentClient(), config.TABLE_NAME);
const emails = new EmailIndex(documentClient(), config.TABLE_NAME);
const segments = new SegmentStore(documentClient(), config.TABLE_NAME);
const scoreBands = new ScoreBandIndex(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const leadsByScore = new LeadsByScore(
  {
    bands: () => scoreBands.bands(),
    getLeads: (leadIds) => leads.getLeads(leadIds),
    filled: () => scoreBands.filled(),
    lowerBand: (leadId, scoreVersion, seenBand, band) => scoreBands.lowerBand(leadId, scoreVersion, seenBand, band),
  },
  rulesets,
);
const backfill = new ScoreBandBackfill(scoreBands, rulesets);
const consentIndexBackfill = new ConsentIndexBackfill(new ConsentIndexStore(documentClient(), config.TABLE_NAME));

const leadSearch = new LeadSearch({
  leadsPage: (limit, cursor) => listing.leadsPage(limit, cursor),
  segmentMembersPage: (segmentId, limit, cursor) => listing.segmentMembersPage(segmentId, limit, cursor),
  cursorAfter: (leadId, segmentId) => listing.cursorAfter(leadId, segmentId),
  segmentTracked: async (segmentId) => {
    const segment = await segments.get(segmentId);
    return segment ? segment.tracked === true : undefined;
  },
  leadIdForEmail: (email) => emails.leadIdForEmail(email),
  getLeads: (leadIds) => leads.getLeads(leadIds),
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, listLeadsRoutes, {
  // A sales rep lists their own leads whatever owner they ask for.
  listLeads: async ({ query: { limit, cursor, sort, ...filter }, caller }) => {
    const ownerOnly = ownLeadsOnly(caller);
    const scoped = ownerOnly ? { ...filter, owner: ownerOnly } : filter;
    if (sort === 'score') return json(200, await leadsByScore.page(scoped, limit, cursor, new Date().toISOString()));
    return json(200, await leadSearch.search(scoped, limit, cursor));
  },
  backfillScoreBands: async ({ body }) => json(200, await backfill.page(body.cursor, new Date().toISOString())),
  backfillConsentIndex: async ({ body }) => json(200, await consentIndexBackfill.page(body.cursor, new Date().toISOString())),
});
