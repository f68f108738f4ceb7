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
  getJourneyReport,
] as const;
