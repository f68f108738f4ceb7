import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { readConfig, setting } from '../../src/config';
import { currentStage } from '../../src/domain/handoff/lifecycle';
import { scoringView } from '../../src/domain/lead';
import { purchaseProfile } from '../../src/domain/purchases';
import { round, scoreAt } from '../../src/domain/scoring/engine';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler, type Implementation } from '../../src/http/routes';
import { getLeadRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting });
const logger = new Logger();
const store = new LeadStore(documentClient(), config.TABLE_NAME);
const leadEvents = new LeadEventStore(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const lifecycle = new LifecycleStore(documentClient(), config.TABLE_NAME);

const RECENT_EVENTS = 20;

const getLead: Implementation<(typeof getLeadRoutes)[number]> = async ({ params: { leadId } }) => {
  const lead = await store.getLead(leadId);
  if (!lead) throw new HttpError(404, `No lead with id ${leadId}`);
  const [recentEvents, transitions] = await Promise.all([
    leadEvents.eventsOf({ kind: 'lead', id: leadId }, { newestFirst: true, limit: RECENT_EVENTS }),
    lifecycle.transitionsOf(leadId),
  ]);
  const stageHistory = transitions.map(({ leadId: _leadId, leadCreatedAt: _createdAt, ...change }) => change);
  const { pendingQualification: _outbox, pendingStageChange: _stageOutbox, version: _version, score: state, ...visible } = lead;
  const ruleset = state ? (await rulesets.get(state.rulesetVersion))?.ruleset : undefined;
  const now = new Date().toISOString();
  // The stored score is as of the latest event; what the lead is worth now is computed on read.
  const current = state && ruleset ? scoreAt(state, scoringView(lead), ruleset, now) : undefined;
  const score =
    state && current
      ? {
          asOf: now,
          rulesetVersion: state.rulesetVersion,
          fit: round(current.fit),
          engagement: round(current.engagement),
          total: round(current.total),
          grade: current.grade,
          qualified: current.qualified,
          qualifications: state.qualifications,
          ...(current.qualified && state.qualifiedAt ? { qualifiedAt: state.qualifiedAt } : {}),
          eventCount: state.eventCount,
          lastEventAt: state.engagementAt,
          breakdown: Object.fromEntries(
            Object.entries(current.tallies).map(([ruleId, tally]) => [ruleId, {
            description: tally.description,
            score: tally.score,
            kind: tally.kind,
            points: tally.points,
            times: tally.times,
            current: round(tally.value),
            events: tally.hits.map((hit) => ({ eventId: hit.eventId, occurredAt: hit.at })),
          }]),
          ),
        }
      : undefined;
  return json(200, { ...visible, attributes: lead.attributes ?? {}, purchases: purchaseProfile(lead.purchases, now), score, stage: currentStage(lead), stageHistory, recentEvents });
};

export const handler = routesHandler({ logger }, getLeadRoutes, { getLead });
