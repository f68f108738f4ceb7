import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadStore } from '../../src/adapters/lead-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { isThrottling } from '../../src/adapters/throttling';
import { HelpDeskIntake } from '../../src/app/help-desk-intake';
import { followUpReasons, SurveyAnswers, type AnswerOutcome } from '../../src/app/survey-answers';
import { TicketIntake } from '../../src/app/ticket-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { confirmAnswerPage, followUpPage, invalidSurveyLinkPage } from '../../src/domain/care/survey-links';
import { languageFor } from '../../src/domain/consent/pages';
import type { Language } from '../../src/domain/subscriptions';
import { json, type ParsedBodyEvent } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { customerFeedbackRoutes } from './routes';
import { TicketBatch } from '../../src/api/tickets';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const care = new CareStore(client, config.TABLE_NAME);
const leads = new LeadStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
const answers = new SurveyAnswers({ keyRing, settings: care, leads, surveys: care, publisher, log: logger });
const helpDesk = new HelpDeskIntake({
  helpDesk: care,
  keyRing,
  tickets: new TicketIntake({ leads, emails: new EmailIndex(client, config.TABLE_NAME), ledger: care, publisher, isThrottling, log: logger }),
  genericBody: TicketBatch,
});

/** Pages carry a token in their URL: no caching, no referrer leaking it, nothing loaded from elsewhere. */
const html = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  },
  body,
});

const fields = (event: ParsedBodyEvent): Record<string, unknown> =>
  typeof event.parsedBody === 'object' && event.parsedBody !== null ? (event.parsedBody as Record<string, unknown>) : {};
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const pageLanguage = (event: ParsedBodyEvent): Language => languageFor(text(fields(event).lang) ?? event.queryStringParameters?.lang, event.headers['accept-language']);

function answerPage(lang: Language, outcome: AnswerOutcome): APIGatewayProxyStructuredResultV2 {
  switch (outcome.outcome) {
    case 'invalid':
      return html(400, invalidSurveyLinkPage(lang));
    case 'confirm':
      return html(200, confirmAnswerPage(lang, outcome.token, outcome.score));
    case 'recorded':
      return html(
        200,
        followUpPage({ lang, token: outcome.token, score: outcome.answer.score, question: outcome.survey.followUp[lang], reasons: followUpReasons(outcome.reasons, outcome.answer) }),
      );
  }
}

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, customerFeedbackRoutes, {
  answerSurvey: async (_input, event) =>
    answerPage(pageLanguage(event), await answers.answer(event.queryStringParameters?.token, { userAgent: event.requestContext.http.userAgent, confirmed: false }, event.requestContext.requestId, new Date())),

  confirmSurveyAnswer: async (_input, event) =>
    answerPage(pageLanguage(event), await answers.answer(event.queryStringParameters?.token, { userAgent: event.requestContext.http.userAgent, confirmed: true }, event.requestContext.requestId, new Date())),

  surveyFollowUp: async (_input, event) => {
    const lang = pageLanguage(event);
    const body = fields(event);
    const outcome = await answers.followUp(text(body.token), text(body.reason) || undefined, text(body.comment), new Date());
    if (outcome.outcome === 'saved') return html(200, followUpPage({ lang, token: '', score: 0, question: '', reasons: [], saved: true }));
    return html(400, invalidSurveyLinkPage(lang));
  },

  receiveHelpDeskTickets: async (_input, event) => {
    // The bytes as the help desk signed them, not the parsed body.
    const rawBody = event.body === undefined ? '' : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
    return json(200, { tickets: await helpDesk.take(event.headers, rawBody, event.requestContext.requestId, new Date()) });
  },
});
