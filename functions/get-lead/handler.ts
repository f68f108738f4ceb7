import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../shared/adapters/clients';
import { LeadStore } from '../../shared/adapters/lead-store';
import { readConfig, setting } from '../../shared/config';
import { currentScore } from '../../shared/domain/scoring/engine';
import { starterRuleset } from '../../shared/domain/scoring/starter-ruleset';
import { HttpError } from '../../shared/http/errors';
import { httpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/middleware';

const config = readConfig({ TABLE_NAME: setting });
const logger = new Logger();
const store = new LeadStore(documentClient(), config.TABLE_NAME);

const RECENT_EVENTS = 20;
const LEAD_ID = /^[0-9a-f-]{36}$/;

export const handler = httpHandler(logger, async (event) => {
  const leadId = event.pathParameters?.leadId ?? '';
  if (!LEAD_ID.test(leadId)) {
    throw new HttpError(400, 'Invalid request: leadId must be a lead id (UUID)', [{ field: 'leadId', message: 'must be a lead id (UUID)' }]);
  }
  const lead = await store.getLead(leadId);
  if (!lead) throw new HttpError(404, `No lead with id ${leadId}`);
  const recentEvents = await store.eventsOf({ kind: 'lead', id: leadId }, { newestFirst: true, limit: RECENT_EVENTS });
  const { pendingQualification: _outbox, version: _version, ...visible } = lead;
  const score = lead.score
    ? {
        ...currentScore(lead.score, new Date().toISOString(), starterRuleset),
        asOf: new Date().toISOString(),
        rulesetVersion: lead.score.rulesetVersion,
        qualified: lead.score.qualified,
        qualifications: lead.score.qualifications,
        qualifiedAt: lead.score.qualifiedAt,
        breakdown: lead.score.tallies,
      }
    : undefined;
  return json(200, { ...visible, score, stage: lead.score?.qualified ? 'mql' : 'lead', recentEvents });
});
