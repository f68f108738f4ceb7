import * as z from 'zod/mini';
import { LIFECYCLE_STAGES } from '../../src/domain/handoff/lifecycle';
import { defineRoute } from '../../src/http/routes';
import { EVERY_ROLE } from '../../src/domain/roles';

const Lead = z
  .looseObject({
    id: z.uuid(),
    email: z.string(),
    createdAt: z.string(),
    attributes: z.record(z.string(), z.unknown()),
    subscriptions: z.optional(z.record(z.string(), z.string())),
    owner: z.optional(z.object({ repId: z.string(), teamId: z.string(), assignedAt: z.string() })),
    purchases: z.looseObject({ count: z.int(), rfmSegment: z.string() }).check(z.describe('The purchase profile as of now: count, total, average order value, lifetime value, days since the last purchase, RFM scores 1-5 and segment.')),
    score: z.optional(z
      .looseObject({
        asOf: z.string(),
        rulesetVersion: z.string(),
        fit: z.number(),
        engagement: z.number(),
        total: z.number(),
        grade: z.string(),
        qualified: z.boolean(),
        breakdown: z.record(z.string(), z.looseObject({ score: z.string(), points: z.number(), current: z.number() })),
      })).check(z.describe('Absent until the lead is scored.')),
    stage: z.enum(LIFECYCLE_STAGES),
    stageHistory: z.array(z.looseObject({ from: z.nullable(z.enum(LIFECYCLE_STAGES)), to: z.enum(LIFECYCLE_STAGES), at: z.string() })),
    recentEvents: z.array(z.looseObject({ id: z.string(), type: z.string(), occurredAt: z.string() })),
  }).check(z.meta({ id: 'Lead' }));

export const getLead = defineRoute({
  operationId: 'getLead',
  method: 'GET',
  path: '/v1/admin/leads/{leadId}',
  roles: EVERY_ROLE,
  summary: 'Get a lead with its score breakdown',
  request: { params: z.object({ leadId: z.string().check(z.regex(/^[0-9a-f-]{36}$/, 'must be a lead id (UUID)')) }) },
  responses: {
    200: {
      description:
        'The lead, its `owner` once routing assigned one (`{ repId, teamId, assignedAt }`), its custom `attributes`, its `purchases` profile as of now (count, total, average order value, lifetime value, days since the last purchase, RFM scores 1-5 and segment; `prospect` with zero scores when nothing was bought), its current scores, grade, stage, `stageHistory` (its entry at creation, `from: null`, then every transition with `from`, `to`, `cause`, `actor`, `at` and `reason` or `deal` when given), per-rule breakdown and recent events.',
      schema: Lead,
    },
  },
  errors: { 404: 'No such lead.' },
});

export const getLeadScoreHistory = defineRoute({
  operationId: 'getLeadScoreHistory',
  method: 'GET',
  path: '/v1/admin/leads/{leadId}/score-history',
  roles: EVERY_ROLE,
  summary: "A lead's fit and engagement over time",
  description:
    "Derived on read: the lead's recorded events replayed through the ruleset its score is kept under (`rulesetVersion`), the score read after each event and now, so engagement's decay shows. Fit rules see the lead's profile as it is now. At most 400 points, the latest. Scoring writes nothing more per event for it.",
  request: { params: z.object({ leadId: z.string().check(z.regex(/^[0-9a-f-]{36}$/, 'must be a lead id (UUID)')) }) },
  responses: {
    200: {
      description: '`{ rulesetVersion?, points: [{ at, fit, engagement, total, qualified }] }`, oldest first; no points before the lead is scored.',
      schema: z
        .object({
          rulesetVersion: z.optional(z.string()),
          points: z.array(z.object({ at: z.string(), fit: z.number(), engagement: z.number(), total: z.number(), qualified: z.boolean() })),
        }).check(z.meta({ id: 'ScoreHistory' })),
    },
  },
  errors: { 403: "A sales rep asking for another rep's lead.", 404: 'No such lead.' },
});

export const getLeadRoutes = [getLead, getLeadScoreHistory] as const;
