import * as z from 'zod/mini';
import { CrmUpdateBatch, CrmUpdatesApplied, FeedbackRequest } from './schemas';
import { LIFECYCLE_STAGES, TRANSITION_CAUSES } from '../../src/domain/handoff/lifecycle';
import { SalesReasons } from '../../src/domain/handoff/reasons';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY, EVERY_ROLE, SALES } from '../../src/domain/roles';

const Stage = z.enum(LIFECYCLE_STAGES);

export const giveFeedback = defineRoute({
  operationId: 'giveFeedback',
  method: 'POST',
  path: '/v1/admin/leads/{leadId}/feedback',
  roles: SALES,
  summary: 'Sales feedback on a lead: accept, reject, won, lost or disqualify',
  description:
    "accept: mql -> sql. reject (reason from the reject list): -> recycled, and the lead's engagement is reset so it must earn a new qualification (a new alert). " +
    'won (reason, amount, currency, billingFrequency): opportunity -> customer. lost (reason): -> recycled, or disqualified for a lost reason marked `never`. ' +
    'disqualify: any stage -> disqualified. Each change is recorded as a transition and published as `lead.stage-changed`.',
  request: { params: z.object({ leadId: z.uuid('must be a lead id (UUID)') }), body: { schema: FeedbackRequest } },
  responses: {
    200: {
      description: '`{ leadId, stage, transition: { from, to, cause, actor, at, reason? }, deal? }`.',
      schema: z
        .object({
          leadId: z.uuid(),
          stage: Stage,
          transition: z.object({ from: Stage, to: Stage, cause: z.enum(TRANSITION_CAUSES), actor: z.string(), at: z.iso.datetime(), reason: z.optional(z.string()) }),
          deal: z.optional(z.object({ amount: z.number(), currency: z.string(), billingFrequency: z.optional(z.string()) })),
        }).check(z.meta({ id: 'FeedbackRecorded' })),
    },
  },
  errors: {
    400: 'A field is invalid; a reason not on the list names `reason` and lists the allowed ones.',
    404: 'No such lead.',
    409: {
      description: "The lead's stage does not allow this change: `{ message, stage, requested, allowed }`.",
      schema: z
        .object({ message: z.string(), issues: z.array(z.object({ field: z.string(), message: z.string() })), stage: Stage, requested: Stage, allowed: z.array(Stage) }).check(z.meta({ id: 'TransitionRefused' })),
    },
    503: 'The lead kept changing; nothing was recorded, repeat the request.',
  },
});

export const getSalesReasons = defineRoute({
  operationId: 'getSalesReasons',
  method: 'GET',
  path: '/v1/admin/settings/sales-reasons',
  roles: EVERY_ROLE,
  summary: 'The reject, won and lost reason lists (the standard ones until a team saves its own)',
  request: {},
  responses: { 200: { description: 'The lists.', schema: SalesReasons } },
});

export const replaceSalesReasons = defineRoute({
  operationId: 'replaceSalesReasons',
  method: 'PUT',
  path: '/v1/admin/settings/sales-reasons',
  roles: ADMIN_ONLY,
  summary: 'Replace the reason lists',
  request: { body: { schema: SalesReasons } },
  responses: { 200: { description: 'Saved; feedback is checked against these lists from now on.', schema: SalesReasons } },
});

export const applyCrmUpdates = defineRoute({
  operationId: 'applyCrmUpdates',
  method: 'POST',
  path: '/v1/admin/crm/updates',
  roles: ADMIN_ONLY,
  summary: 'Stage and contact updates from a CRM (1-100)',
  description:
    "Each update is applied once per `updateId`, in the CRM's order (`occurredAt`): one older than the last applied to its lead changes nothing (`stale`). A stage change follows the transition table (`invalid_transition` otherwise, with the allowed stages). Contact changes are announced as `lead.contact-changed` with `source: crm` and `changeId` `crm:<updateId>`; the list sorted by score places a lead by its new contact details a moment after the answer.",
  request: { body: { schema: CrmUpdateBatch } },
  responses: { 200: { description: 'One result per update.', schema: CrmUpdatesApplied } },
  errors: { 503: 'The table refused more writes, or the contact changes could not be announced; updates applied so far stay applied, repeat the same request.' },
});

const Id = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _'));

const InboxLead = z.looseObject(z
  .object({
    id: z.uuid(),
    email: z.string(),
    firstName: z.optional(z.string()),
    lastName: z.optional(z.string()),
    company: z.optional(z.string()),
    stage: Stage,
    score: z.optional(z.object({ total: z.number(), fit: z.number(), engagement: z.number(), grade: z.string(), qualified: z.boolean(), asOf: z.string() })),
  }).shape);

export const getTeamInbox = defineRoute({
  operationId: 'getTeamInbox',
  method: 'GET',
  path: '/v1/admin/team-inbox',
  roles: SALES,
  summary: "A sales team's inbox: MQLs routed to the team that no rep has taken yet",
  description:
    'When every rep of the team a lead was routed to is at capacity, the qualification waits here, oldest first, until a rep of the team claims it. A sales rep reads their own team (`team` may repeat it); an admin names `team`. Entries whose lead got an owner or left `mql` meanwhile are left out, so a page may hold fewer than `limit` items while `nextCursor` is present.',
  request: { query: z.extend(PageQuery, { team: z.optional(Id).check(z.meta({ description: 'The team; required for admins, your own team for a sales rep.' })) }) },
  responses: {
    200: {
      description: '`{ team: { id, name }, items: [{ leadId, rulesetVersion, qualification, waitingSince, lead }], nextCursor? }`.',
      schema: z
        .extend(pageOf(z.object({ leadId: z.uuid(), rulesetVersion: z.string(), qualification: z.int(), waitingSince: z.string(), lead: InboxLead })), {
          team: z.object({ id: z.string(), name: z.string() }),
        })
        .check(z.meta({ id: 'TeamInbox' })),
    },
  },
  errors: { 400: 'No `team` named by an admin, or a bad `limit` or `cursor`.', 403: 'A sales rep asking for another team, or one in no team.', 404: 'No such team.' },
});

export const claimInboxLead = defineRoute({
  operationId: 'claimInboxLead',
  method: 'POST',
  path: '/v1/admin/team-inbox/{leadId}/claim',
  roles: SALES,
  summary: 'Take a waiting MQL from the team inbox: exactly one rep gets it',
  description:
    "The claim names the qualification the inbox listed (`rulesetVersion`, `qualification`). It gives the lead to the rep (a sales rep claims for themselves; an admin names `repId`), counts it in the rep's open MQLs, records who claimed it, and publishes `lead.assigned`. Two reps claiming at once: one gets 200, the other 409 and nothing changes.",
  request: {
    params: z.object({ leadId: z.uuid('must be a lead id (UUID)') }),
    body: { schema: z.strictObject({ rulesetVersion: z.string().check(z.minLength(1), z.maxLength(100)), qualification: z.int().check(z.gte(1)), repId: z.optional(Id) }) },
  },
  responses: {
    200: { description: 'The new owner: `{ leadId, repId, teamId, assignedAt }`.', schema: z.object({ leadId: z.uuid(), repId: z.string(), teamId: z.string(), assignedAt: z.string() }).check(z.meta({ id: 'InboxClaim' })) },
  },
  errors: { 403: 'A sales rep in no team of the routing.', 409: 'Another rep claimed it first, or the lead got an owner otherwise: nothing changed.' },
});

export const salesFeedbackRoutes = [giveFeedback, getSalesReasons, replaceSalesReasons, applyCrmUpdates, getTeamInbox, claimInboxLead] as const;
