import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { isThrottling, throttlingRefusal } from '../../src/adapters/throttling';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { EmailIndex } from '../../src/adapters/email-index';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { RoutingStore } from '../../src/adapters/routing-store';
import type { CrmUpdatesApplied } from './schemas';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { SalesFeedbackUseCases } from '../../src/app/sales-feedback';
import { StageChanges } from '../../src/app/stage-changes';
import { TeamInbox, type InboxViewer } from '../../src/app/team-inbox';
import { salesFeedbackRoutes } from './routes';
import { InvalidInput } from '../../src/domain/errors';
import type { Lead } from '../../src/domain/lead';
import { actorOf, maySeeLead, type Caller } from '../../src/domain/roles';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const lifecycle = new LifecycleStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const leads = new LeadStore(client, config.TABLE_NAME);
const teamInbox = new TeamInbox({ routing: new RoutingStore(client, config.TABLE_NAME), leads, publisher });
const salesFeedback = new SalesFeedbackUseCases({
  stageChanges: new StageChanges({ leads, lifecycle, publisher, logger }),
  reasons: lifecycle,
  emails: new EmailIndex(client, config.TABLE_NAME),
  publisher,
  log: logger,
  throttled: isThrottling,
});

/**
 * Who the feedback is recorded as given by: a signed-in person is who they are (the body may repeat
 * it, not name someone else); a service (the CLI) names the rep it acts for.
 */
function feedbackActor(caller: Caller, named: string | undefined): string {
  if (caller.kind === 'user') {
    const actor = actorOf(caller);
    if (named !== undefined && named !== actor) throw InvalidInput.field('actor', `must be you (${actor}) or left out: feedback is recorded as given by whoever signed in`);
    return actor;
  }
  if (named === undefined) throw InvalidInput.field('actor', 'is required: name who gives the feedback');
  return named;
}

/** A sales rep works their own team's inbox; admins and services name the team or the rep. */
const inboxViewer = (caller: Caller): InboxViewer => (caller.kind === 'user' && caller.role === 'sales' ? { kind: 'rep', repId: actorOf(caller) } : { kind: 'manager' });

/** Who a claim is recorded as made by: the signed-in person, or for a service the rep it names. */
const claimActor = (caller: Caller, repId: string | undefined): string => (caller.kind === 'user' ? actorOf(caller) : (repId ?? 'service'));

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, salesFeedbackRoutes, {
  giveFeedback: async ({ params: { leadId }, body, caller }, event) => {
    const feedback = { ...body, actor: feedbackActor(caller, body.actor), mayActOn: (owner: Lead['owner']) => maySeeLead(caller, owner) };
    const result = await salesFeedback.giveFeedback(leadId, feedback, event.requestContext.requestId);
    if (result.outcome === 'refused') {
      const { refusal } = result;
      return json(409, { message: refusal.message, issues: [{ field: 'action', message: refusal.message }], stage: refusal.from, requested: refusal.to, allowed: refusal.allowed });
    }
    return json(200, result.recorded);
  },

  getSalesReasons: async () => json(200, await salesFeedback.salesReasons()),

  replaceSalesReasons: async ({ body }) => json(200, await salesFeedback.replaceSalesReasons(body)),

  applyCrmUpdates: async ({ body: { updates } }, event) =>
    json(200, { updates: await salesFeedback.applyCrmUpdates(updates, event.requestContext.requestId) } satisfies CrmUpdatesApplied),

  getTeamInbox: async ({ query: { team, ...page }, caller }) => json(200, await teamInbox.list(inboxViewer(caller), team, page)),

  claimInboxLead: async ({ params: { leadId }, body: { repId, ...qualification }, caller }, event) => {
    const owner = await teamInbox.claim(inboxViewer(caller), { leadId, ...qualification }, repId, claimActor(caller, repId), event.requestContext.requestId, new Date().toISOString());
    return json(200, { leadId, ...owner });
  },
});
