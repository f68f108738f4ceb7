import * as z from 'zod/mini';
import { Ruleset, RulesetVersion } from '../../src/domain/scoring/ruleset';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

export const VersionParams = z.object({ version: RulesetVersion });

export const BacktestSummary = z
  .looseObject({ ranAt: z.iso.datetime(), against: z.string(), leads: z.int(), events: z.int(), draftMqls: z.int(), activeMqls: z.int(), newlyQualified: z.int(), droppedOut: z.int() }).check(z.meta({ id: 'BacktestSummary' }));

const versionFields = {
  version: z.string(),
  status: z.enum(['draft', 'active', 'retired']),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  builtIn: z.optional(z.boolean()),
  backtest: z.optional(BacktestSummary),
  activatedAt: z.optional(z.iso.datetime()),
  rescoreJobId: z.optional(z.uuid()),
  retiredAt: z.optional(z.iso.datetime()),
};
/** A version as listed: its rules counted rather than shown. */
const RulesetListing = z.object({ ...versionFields, rules: z.int().check(z.gte(0)) }).check(z.meta({ id: 'RulesetListing' }));
const StoredRuleset = z.object({ ...versionFields, ruleset: Ruleset }).check(z.meta({ id: 'StoredRuleset' }));
const Change = z.object({ path: z.string(), before: z.unknown(), after: z.unknown() });

const noRuleset = { 404: 'No such ruleset.' } as const;

export const listRulesets = defineRoute({
  operationId: 'listRulesets',
  method: 'GET',
  path: '/v1/admin/rulesets',
  roles: MARKETING,
  summary: 'List ruleset versions and the active one',
  request: { query: PageQuery },
  responses: {
    200: {
      description: '`{ active, items, nextCursor? }`: a page of versions, oldest first (the built-in starter leads the first), each with its status (draft, active, retired) and last back-test.',
      schema: z.extend(pageOf(RulesetListing), { active: z.optional(z.string()) }).check(z.meta({ id: 'RulesetList' })),
    },
  },
});

export const validateRulesetRoute = defineRoute({
  operationId: 'validateRuleset',
  method: 'POST',
  path: '/v1/admin/rulesets/validate',
  roles: MARKETING,
  summary: 'Validate a ruleset without saving it',
  description: 'Every problem with its path by rule id and field, including conditions that can never match.',
  // Validation is the answer: every problem is reported in a 200, never refused as a 400.
  request: { body: { schema: Ruleset, checkedByHandler: true } },
  responses: {
    200: {
      description: '`{ valid, issues: [{ path, message }] }`.',
      schema: z.object({ valid: z.boolean(), issues: z.array(z.object({ path: z.string(), message: z.string() })) }).check(z.meta({ id: 'RulesetValidation' })),
    },
  },
});

export const getRuleset = defineRoute({
  operationId: 'getRuleset',
  method: 'GET',
  path: '/v1/admin/rulesets/{version}',
  roles: MARKETING,
  summary: 'Read a ruleset version',
  request: { params: VersionParams },
  responses: { 200: { description: 'The ruleset, its status and last back-test.', schema: StoredRuleset } },
  errors: noRuleset,
});

export const saveRulesetDraft = defineRoute({
  operationId: 'saveRulesetDraft',
  method: 'PUT',
  path: '/v1/admin/rulesets/{version}',
  roles: MARKETING,
  summary: 'Save a draft',
  description: 'Creates or replaces a draft (replacing drops its back-test). Active and retired versions never change (409).',
  // Checked by the ruleset validator, whose issues name each rule by id rather than by index.
  request: { params: VersionParams, body: { schema: Ruleset, checkedByHandler: true } },
  responses: { 200: { description: 'Saved as a draft.', schema: RulesetListing } },
  errors: { ...noRuleset, 409: 'The version is active or retired.' },
});

export const diffRuleset = defineRoute({
  operationId: 'diffRuleset',
  method: 'GET',
  path: '/v1/admin/rulesets/{version}/diff',
  roles: MARKETING,
  summary: 'Compare a version with another (default: the active one)',
  request: { params: VersionParams, query: z.object({ against: z.optional(RulesetVersion) }) },
  responses: {
    200: {
      description: 'Settings changed; rules added, removed and changed, field by field.',
      schema: z
        .object({
          from: z.string(),
          to: z.string(),
          settings: z.array(Change),
          added: z.array(z.looseObject({ id: z.string() })),
          removed: z.array(z.looseObject({ id: z.string() })),
          changed: z.array(z.object({ id: z.string(), changes: z.array(Change) })),
        }).check(z.meta({ id: 'RulesetDiff' })),
    },
  },
  errors: noRuleset,
});

export const activateRuleset = defineRoute({
  operationId: 'activateRuleset',
  method: 'POST',
  path: '/v1/admin/rulesets/{version}/activate',
  roles: MARKETING,
  summary: 'Activate a back-tested draft and rescore every lead',
  request: { params: VersionParams },
  responses: {
    202: {
      description: '`{ version, jobId, progress }`: follow the rescoring at `progress`.',
      schema: z.object({ version: z.string(), jobId: z.uuid(), progress: z.string().check(z.describe('The rescoring job\'s path.')) }).check(z.meta({ id: 'RescoringStarted' })),
    },
  },
  errors: { ...noRuleset, 409: 'Not a draft, not back-tested, or changed meanwhile.', 503: 'Active, but rescoring has not started; repeat the activation.' },
});

export const getRescoringJob = defineRoute({
  operationId: 'getRescoringJob',
  method: 'GET',
  path: '/v1/admin/rescoring/{jobId}',
  roles: MARKETING,
  summary: 'Progress of a rescoring job',
  request: { params: z.object({ jobId: z.uuid('must be a job id (UUID)') }) },
  responses: {
    200: {
      description: '`{ done, total, planned, status, progress: "done / total" }`.',
      schema: z
        .object({
          jobId: z.uuid(),
          rulesetVersion: z.string(),
          previousVersion: z.string(),
          startedAt: z.iso.datetime(),
          updatedAt: z.iso.datetime(),
          total: z.int(),
          done: z.int(),
          planned: z.boolean(),
          status: z.enum(['running', 'done']),
          progress: z.string(),
        }).check(z.meta({ id: 'RescoringJob' })),
    },
  },
  errors: { 404: 'No such job.' },
});

export const manageRulesetsRoutes = [listRulesets, validateRulesetRoute, getRuleset, saveRulesetDraft, diffRuleset, activateRuleset, getRescoringJob] as const;
