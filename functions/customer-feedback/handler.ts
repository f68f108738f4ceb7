import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EmailIndex } from '../../src/adapters/email-index';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadStore } from '../../src/adapters/lead-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { isThrottling, throttlingRefusal } from '../../src/adapters/throttling';
import { HelpDeskIntake } from '../../src/app/help-desk-intake';
import { followUpReasons, SurveyAnswers, type AnswerOutcome } from '../../src/app/survey-answers';
import { TicketIntake } from '../../src/app/ticket-intake';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { confirmAnswerPage, followUpPage, invalidSurveyLinkPage } from '../../src/domain/care/survey-links';
import type { Language } from '../../src/domain/subscriptions';
import { formFields, linkPage, pageLanguage, text } from '../../src/http/link-pages';
import { json } from '../../src/http/middleware';
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
  requesters: care,
  tickets: new TicketIntake({ leads, emails: new EmailIndex(client, config.TABLE_NAME), ledger: care, publisher, isThrottling, log: logger }),
  genericBody: TicketBatch,
});

function answerPage(lang: Language, outcome: AnswerOutcome): APIGatewayProxyStructuredResultV2 {
  switch (outcome.outcome) {
    case 'invalid':
      return linkPage(400, invalidSurveyLinkPage(lang));
    case 'confirm':
      return linkPage(200, confirmAnswerPage(lang, outcome.token, outcome.score));
    case 'recorded':
      return linkPage(
        200,
        followUpPage({ lang, token: outcome.token, score: outcome.answer.score, question: outcome.survey.followUp[lang], reasons: followUpReasons(outcome.reasons, outcome.answer) }),
      );
  }
}

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, customerFeedbackRoutes, {
  answerSurvey: async (_input, event) =>
    answerPage(pageLanguage(event), await answers.answer(event.queryStringParameters?.token, { userAgent: event.requestContext.http.userAgent, confirmed: false }, event.requestContext.requestId, new Date())),

  confirmSurveyAnswer: async (_input, event) =>
    answerPage(pageLanguage(event), await answers.answer(event.queryStringParameters?.token, { userAgent: event.requestContext.http.userAgent, confirmed: true }, event.requestContext.requestId, new Date())),

  surveyFollowUp: async (_input, event) => {
    const lang = pageLanguage(event);
    const body = formFields(event);
    const outcome = await answers.followUp(text(body.token), text(body.reason) || undefined, text(body.comment), new Date());
    if (outcome.outcome === 'saved') return linkPage(200, followUpPage({ lang, token: '', score: 0, question: '', reasons: [], saved: true }));
    return linkPage(400, invalidSurveyLinkPage(lang));
  },

  receiveHelpDeskTickets: async (_input, event) => {
    // The bytes as the help desk signed them, not the parsed body.
    const rawBody = event.body === undefined ? '' : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
    const delivery = await helpDesk.take(event.headers, rawBody, event.requestContext.requestId, new Date());
    return delivery.outcome === 'ignored' ? json(202, { ignored: delivery.reason, tickets: delivery.tickets }) : json(200, { tickets: delivery.tickets });
  },
});
