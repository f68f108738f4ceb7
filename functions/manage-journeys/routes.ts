import * as z from 'zod/mini';
import { JOURNEY_STATUSES, JourneyDefinition } from '../../src/domain/journeys/definition';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { MARKETING } from '../../src/domain/roles';
import { defineRoute } from '../../src/http/routes';

const JourneyIdParams = z.object({ journeyId: z.uuid('must be a journey id (UUID)') });
const Status = z.enum(JOURNEY_STATUSES);

const Journey = z
  .looseObject({
    id: z.uuid(),
    name: z.string(),
    status: Status,
    publishedVersion: z.optional(z.int().check(z.gte(1))).check(z.describe('The version new leads enter; enrolled leads finish on theirs.')),
    draft: z.looseObject({}).check(z.describe('The draft definition: what the next publish makes a version of.')),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  }).check(z.meta({ id: 'Journey' }));

const NewStatus = z.object({ journeyId: z.uuid(), status: Status }).check(z.meta({ id: 'JourneyStatusChanged' }));
const count = z.int();

const definitionBody = { schema: JourneyDefinition, required: true } as const;
const invalidJourney = 'A field is invalid, or the journey has problems, each named by its path in `issues` (unreachable steps, branch arms never taken, loops without a wait, unknown templates, conditions no lead can meet).';
const noJourney = { 404: 'No such journey.' } as const;

export const createJourney = defineRoute({
  operationId: 'createJourney',
  method: 'POST',
  path: '/v1/admin/journeys',
  roles: MARKETING,
  summary: 'Create a journey draft',
  description:
    'An entry (an event pattern over `{ event: { type, properties } }`, a saved segment entered, a date attribute with an offset, or manual), a re-entry rule, steps (send_email, wait, wait_for_event, branch, split, update_lead, notify, webhook, exit) and an optional goal condition over `{ lead, score, activity, purchases }`. Checked as `validate` checks it; nothing runs until it is published.',
  request: { body: definitionBody },
  responses: { 201: { description: 'The journey, a draft.', schema: Journey } },
  errors: { 400: invalidJourney },
});

export const validateJourneyDefinition = defineRoute({
  operationId: 'validateJourneyDefinition',
  method: 'POST',
  path: '/v1/admin/journeys/validate',
  roles: MARKETING,
  summary: 'Check a journey definition without saving it, stored templates included',
  request: { body: definitionBody },
  responses: { 200: { description: 'The definition has no problem.', schema: z.object({ valid: z.literal(true) }).check(z.meta({ id: 'JourneyValid' })) } },
  errors: { 400: invalidJourney },
});

export const listJourneys = defineRoute({
  operationId: 'listJourneys',
  method: 'GET',
  path: '/v1/admin/journeys',
  roles: MARKETING,
  summary: 'List journeys, newest first',
  request: { query: PageQuery },
  responses: { 200: { description: '`{ items, nextCursor? }`: a page of journeys.', schema: pageOf(Journey).check(z.meta({ id: 'JourneyList' })) } },
});

export const getJourney = defineRoute({
  operationId: 'getJourney',
  method: 'GET',
  path: '/v1/admin/journeys/{journeyId}',
  roles: MARKETING,
  summary: 'Read a journey: status, published version and draft',
  request: { params: JourneyIdParams },
  responses: { 200: { description: 'The journey.', schema: Journey } },
  errors: noJourney,
});

export const saveJourneyDraft = defineRoute({
  operationId: 'saveJourneyDraft',
  method: 'PUT',
  path: '/v1/admin/journeys/{journeyId}/draft',
  roles: MARKETING,
  summary: 'Replace the draft; the published version and enrolled leads are untouched until the next publish',
  request: { params: JourneyIdParams, body: definitionBody },
  responses: { 200: { description: 'The journey with its new draft.', schema: Journey } },
  errors: { ...noJourney, 400: invalidJourney, 409: 'The journey is archived, or someone saved it meanwhile.' },
});

export const publishJourney = defineRoute({
  operationId: 'publishJourney',
  method: 'POST',
  path: '/v1/admin/journeys/{journeyId}/publish',
  roles: MARKETING,
  summary: 'Publish the draft as a new version: new entries go to it, enrolled leads finish on the version they entered',
  description: 'Stored templates are copied into the version, so a later template edit changes no published version.',
  request: { params: JourneyIdParams },
  responses: { 200: { description: 'The published version.', schema: z.object({ journeyId: z.uuid(), status: z.literal('published'), version: z.int().check(z.gte(1)) }).check(z.meta({ id: 'JourneyPublished' })) } },
  errors: { ...noJourney, 400: invalidJourney, 409: 'The journey is archived, or was published meanwhile.' },
});

const controlRoute = <const Action extends 'pause' | 'resume' | 'archive', const OperationId extends string>(action: Action, operationId: OperationId, summary: string) =>
  defineRoute({
    operationId,
    method: 'POST',
    path: `/v1/admin/journeys/{journeyId}/${action}` as const,
    roles: MARKETING,
    summary,
    request: { params: JourneyIdParams },
    responses: { 200: { description: 'The new status.', schema: NewStatus } },
    errors: { ...noJourney, 409: `The journey's status does not allow ${action}.` },
  });

export const pauseJourney = controlRoute('pause', 'pauseJourney', 'Pause: nobody enters, enrolled leads stay where they are');
export const resumeJourney = controlRoute('resume', 'resumeJourney', 'Resume a paused journey: due waits go on within minutes');
export const archiveJourney = controlRoute('archive', 'archiveJourney', 'Archive: nobody enters and enrolled leads exit at their next step');

export const enrolInJourney = defineRoute({
  operationId: 'enrolInJourney',
  method: 'POST',
  path: '/v1/admin/journeys/{journeyId}/enrolments',
  roles: MARKETING,
  summary: 'Enrol a lead by hand; it enters once its re-entry rule allows',
  request: { params: JourneyIdParams, body: { schema: z.strictObject({ leadId: z.uuid('must be a lead id (UUID)') }).check(z.meta({ id: 'JourneyEnrolmentRequest' })), required: true } },
  responses: { 202: { description: 'The enrolment is on its way.', schema: z.object({ journeyId: z.uuid(), leadId: z.uuid(), status: z.literal('requested') }).check(z.meta({ id: 'JourneyEnrolmentRequested' })) } },
  errors: { ...noJourney, 400: 'A field is invalid, or `leadId` names no lead.', 409: 'The journey is not published.' },
});

export const moveJourneyEnrolments = defineRoute({
  operationId: 'moveJourneyEnrolments',
  method: 'POST',
  path: '/v1/admin/journeys/{journeyId}/moves',
  roles: MARKETING,
  summary: 'Move enrolled leads to a newer version (the published one unless named); steps map by id',
  description:
    'A lead otherwise finishes on the version it entered. Each named lead stays at the step with the same id, its wait and step number unchanged, so no step runs twice. When a lead waits at a step the version lacks (or has as another kind of step), the whole request is refused with 400 naming the lead (`leadIds.<n>`) and the step, and nobody moves.',
  request: {
    params: JourneyIdParams,
    body: {
      schema: z
        .strictObject({
          leadIds: z.array(z.uuid('must be a lead id (UUID)')).check(z.minLength(1), z.maxLength(100), z.refine((ids) => new Set(ids).size === ids.length, { message: 'must not name a lead twice' })),
          version: z.optional(z.int().check(z.gte(1))).check(z.describe('The version to move to: default the published one.')),
        }).check(z.meta({ id: 'JourneyMoveRequest' })),
      required: true,
    },
  },
  responses: {
    200: {
      description: 'What happened to each lead: moved, already there, ended (its run is over), not enrolled, or changed meanwhile (its runner moved it on during the move: try again).',
      schema: z
        .object({
          journeyId: z.uuid(),
          version: z.int().check(z.gte(1)),
          leads: z.array(z.object({ leadId: z.uuid(), outcome: z.enum(['moved', 'already-there', 'ended', 'not-enrolled', 'changed-meanwhile']) })),
        }).check(z.meta({ id: 'JourneyMoved' })),
    },
  },
  errors: { ...noJourney, 400: 'A field is invalid, `version` is not published, or a named lead waits at a step the version lacks (`leadIds.<n>`, with the step).', 409: 'The journey is a draft or archived.' },
});

const MoveAllProgress = z
  .object({
    journeyId: z.uuid(),
    version: z.int().check(z.gte(1)),
    phase: z.enum(['checking', 'moving', 'done', 'refused']).check(z.describe('`checking` every enrolled lead (nobody moves yet), then `moving`, then `done`; `refused` when the check found leads the version cannot place.')),
    enrolled: count.check(z.describe('Enrolled leads the check found.')),
    refusals: z.array(z.object({ stepId: z.string(), leads: count, reason: z.string() })).check(z.describe('Steps the version lacks (or has as another kind of step), with how many leads wait there.')),
    counts: z
      .object({ leadsRead: count, moved: count, alreadyThere: count, ended: count, refused: count, changedMeanwhile: count })
      .check(z.describe('Of the current phase: leads read; in `moving`, what happened to each enrolled one (`refused`: moved by its runner into a step the version lacks after the check; `changedMeanwhile`: its runner kept moving it: both left on their version).')),
    startedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  }).check(z.meta({ id: 'JourneyMoveAll' }));

export const moveAllJourneyEnrolments = defineRoute({
  operationId: 'moveAllJourneyEnrolments',
  method: 'POST',
  path: '/v1/admin/journeys/{journeyId}/moves/all',
  roles: MARKETING,
  summary: 'Move every enrolled lead to a newer version (the published one unless named), however many there are; call again until `done`',
  description:
    'Pages through the leads from a stored cursor, a few seconds per call: first checks every enrolled lead (nobody moves), then moves each, steps mapped by id and each save conditional on the enrolment\'s revision, as a move of named leads does. Each call goes on where the last stopped (202 with the progress) until the move is done (200). When a lead waits at a step the version lacks (or has as another kind of step), the whole move is refused with 400 naming each such step and how many leads wait there, and nobody moves. A finished or refused move, or one to another version, starts afresh.',
  request: {
    params: JourneyIdParams,
    body: { schema: z.strictObject({ version: z.optional(z.int().check(z.gte(1))).check(z.describe('The version to move to: default the published one.')) }).check(z.meta({ id: 'JourneyMoveAllRequest' })), emptyIsObject: true },
  },
  responses: { 200: { description: 'Every enrolled lead was looked at: the move is done.', schema: MoveAllProgress }, 202: { description: 'The move goes on: call again.', schema: MoveAllProgress } },
  errors: { ...noJourney, 400: 'A field is invalid, `version` is not published, or leads wait at steps the version lacks (each step with how many leads): nobody moved.', 409: 'The journey is a draft or archived, or another call moved the same move on meanwhile.' },
});

export const getJourneyMoveAll = defineRoute({
  operationId: 'getJourneyMoveAll',
  method: 'GET',
  path: '/v1/admin/journeys/{journeyId}/moves/all',
  roles: MARKETING,
  summary: 'The progress of the move of every enrolled lead: phase, leads read, moved, refused steps',
  request: { params: JourneyIdParams },
  responses: { 200: { description: 'The move, as its last call left it.', schema: MoveAllProgress } },
  errors: { 404: 'No such journey, or no move of every lead was started.' },
});

const EmailCounts = z.object({ sent: count, skipped: count, interrupted: count, opened: count, clicked: count, skippedBy: z.record(z.string(), count) });

export const getJourneyReport = defineRoute({
  operationId: 'getJourneyReport',
  method: 'GET',
  path: '/v1/admin/journeys/{journeyId}/report',
  roles: MARKETING,
  summary: 'Journey report: entered, waiting, completed, exited by reason, goal reached; per step entered and emails sent or skipped (by reason); per split arm',
  request: { params: JourneyIdParams },
  responses: {
    200: {
      description: 'Counts over every version of the journey.',
      schema: z
        .object({
          journeyId: z.uuid(),
          name: z.string(),
          status: Status,
          publishedVersion: z.optional(z.int()),
          entered: count,
          waiting: count,
          completed: count,
          exited: count,
          exitedBy: z.record(z.string(), count),
          goalReached: count,
          steps: z.array(z.object({ stepId: z.string(), type: z.string(), entered: count, emails: z.optional(EmailCounts), arms: z.optional(z.record(z.string(), count)) })),
        }).check(z.meta({ id: 'JourneyReport' })),
    },
  },
  errors: noJourney,
});

export const manageJourneysRoutes = [
  createJourney,
  validateJourneyDefinition,
  listJourneys,
  getJourney,
  saveJourneyDraft,
  publishJourney,
  pauseJourney,
  resumeJourney,
  archiveJourney,
  enrolInJourney,
  moveJourneyEnrolments,
  moveAllJourneyEnrolments,
  getJourneyMoveAll,
  getJourneyReport,
] as const;
