import * as z from 'zod/mini';
import { RulesetVersion } from '../../src/domain/scoring/ruleset';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

const MAX_BACKTEST_DAYS = 92;

const VersionParams = z.object({ version: RulesetVersion });

/** A back-test's window: by default the 30 days before now; at most 92 days. */
export const BacktestRequest = z.pipe(z.strictObject(z
  .object({
    from: z.optional(z.iso.datetime({ offset: true })).check(z.describe('Start of the window (inclusive); default: 30 days before `to`.')),
    to: z.optional(z.iso.datetime({ offset: true })).check(z.describe('End of the window (exclusive); default: now.')),
  }).shape), z.transform((window, context) => {
    const to = window.to ? new Date(window.to) : new Date();
    const from = window.from ? new Date(window.from) : new Date(to.getTime() - 30 * 86_400_000);
    if (from >= to) context.issues.push({ input: context.value, code: 'custom', path: ['from'], message: 'must be before `to`' });
    if (to.getTime() - from.getTime() > MAX_BACKTEST_DAYS * 86_400_000) context.issues.push({ input: context.value, code: 'custom', path: ['from'], message: `the window may span at most ${MAX_BACKTEST_DAYS} days` });
    return { from: from.toISOString(), to: to.toISOString() };
  })).check(z.meta({ id: 'BacktestRequest' }));

const Outcome = z
  .looseObject({
    version: z.string(),
    mqls: z.int(),
    qualifiedAtEnd: z.int(),
    mqlsPerWeek: z.array(z.object({ week: z.string(), mqls: z.int() })),
    histogram: z.array(z.object({ from: z.optional(z.number()), to: z.optional(z.number()), leads: z.int() })),
    closedWon: z.looseObject({}).check(z.describe('Leads won since the window opened, how many this ruleset qualified at or before the win, median days before.')),
    alertLoad: z.looseObject({}).check(z.describe('Alerts per rep under the saved routing in round-robin order, with the busiest week; team inboxes; `unrouted` without routing.')),
  }).check(z.meta({ id: 'BacktestOutcome' }));
const Leads = z.object({ leads: z.int(), leadIds: z.array(z.string()).check(z.describe('The first few.')) });

export const backtestRuleset = defineRoute({
  operationId: 'backtestRuleset',
  method: 'POST',
  path: '/v1/admin/rulesets/{version}/backtest',
  roles: MARKETING,
  summary: 'Back-test a version against the active ruleset',
  description:
    'Replays the recorded events of the window through both rulesets with the live engine: MQLs, MQLs per week, leads that would newly qualify or drop out, the score histogram, the rules that moved the most points; per ruleset, `closedWon` (leads won since the window opened, how many it qualified at or before the win, median days before) and `alertLoad` (alerts per rep under the saved routing in round-robin order, with the busiest week; team inboxes; `unrouted` without routing).',
  request: { params: VersionParams, body: { schema: BacktestRequest, emptyIsObject: true } },
  responses: {
    200: {
      description: 'The back-test report.',
      schema: z
        .object({
          window: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
          leads: z.int(),
          events: z.int(),
          draft: Outcome,
          active: Outcome,
          newlyQualified: Leads,
          droppedOut: Leads,
          ruleMovers: z.array(z.object({ ruleId: z.string(), description: z.string(), draftPoints: z.number(), activePoints: z.number(), delta: z.number() })),
          durationMs: z.number(),
        }).check(z.meta({ id: 'BacktestReport' })),
    },
  },
  errors: { 404: 'No such ruleset.' },
});

export const backtestRulesetRoutes = [backtestRuleset] as const;
