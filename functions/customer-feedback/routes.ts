import * as z from 'zod/mini';
import { HtmlPage } from '../../src/api/responses';
import { LANGUAGES } from '../../src/domain/subscriptions';
import { defineRoute, type RouteDeclaration } from '../../src/http/routes';

const SurveyLinkQuery = z.object({ token: z.string().check(z.describe('The signed survey link token from the email: it names the answer.')), lang: z.optional(z.enum(LANGUAGES)) });
const signedLinkQuery = { query: SurveyLinkQuery, queryCheckedByHandler: true } as const satisfies RouteDeclaration['request'];
const page = { 200: { description: 'An HTML page (no script, no cookie).', schema: HtmlPage, contentType: 'text/html' } } as const;
const invalidLink = { 400: { description: 'The link is malformed, tampered with or its answer window closed: an HTML page saying so; nothing changes.', schema: HtmlPage, contentType: 'text/html' } } as const;

export const answerSurvey = defineRoute({
  operationId: 'answerSurvey',
  method: 'GET',
  path: '/v1/surveys/answer',
  summary: 'One-click survey answer: records the score the link names',
  description:
    'Each score in a survey email is its own signed link. Following one records that score and shows the follow-up page; following another of the same ' +
    'email changes the answer while the links last. A fetch that looks like a mail scanner (seconds after sending, or a known gateway) records nothing and ' +
    'shows a button instead.',
  request: signedLinkQuery,
  responses: page,
  errors: invalidLink,
});

export const confirmSurveyAnswer = defineRoute({
  operationId: 'confirmSurveyAnswer',
  method: 'POST',
  path: '/v1/surveys/answer',
  summary: 'Record the score after the confirm button (shown to a suspected scanner)',
  request: { ...signedLinkQuery, body: { schema: z.object({}), contentTypes: ['application/x-www-form-urlencoded'], checkedByHandler: true } },
  responses: page,
  errors: invalidLink,
});

export const surveyFollowUp = defineRoute({
  operationId: 'surveyFollowUp',
  method: 'POST',
  path: '/v1/surveys/follow-up',
  summary: 'The follow-up: the main reason (from the standard list) and a comment',
  request: {
    body: {
      schema: z.object({
        token: z.string(),
        lang: z.optional(z.enum(LANGUAGES)),
        reason: z.optional(z.string()).check(z.describe('A code of the satisfaction or problem reasons offered, or `other`.')),
        comment: z.optional(z.string().check(z.maxLength(1000))),
      }),
      contentTypes: ['application/x-www-form-urlencoded'],
      checkedByHandler: true,
    },
  },
  responses: page,
  errors: invalidLink,
});

export const customerFeedbackRoutes = [answerSurvey, confirmSurveyAnswer, surveyFollowUp] as const;
