import * as z from 'zod/mini';
import { MARKETING } from '../../src/domain/roles';
import { defineRoute } from '../../src/http/routes';

const JourneyIdParams = z.object({ journeyId: z.uuid('must be a journey id (UUID)') });
const count = z.int();
const noJourney = { 404: 'No such journey.' } as const;

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

export const manageJourneyEnrolmentsRoutes = [enrolInJourney, moveJourneyEnrolments, moveAllJourneyEnrolments, getJourneyMoveAll] as const;
