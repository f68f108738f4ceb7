import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, eventBridgeClient, secretsManagerClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadStore } from '../../src/adapters/lead-store';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { followUpReasons, SurveyAnswers, type AnswerOutcome } from '../../src/app/survey-answers';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { confirmAnswerPage, followUpPage, invalidSurveyLinkPage } from '../../src/domain/care/survey-links';
import type { Language } from '../../src/domain/subscriptions';
import { formFields, linkPage, pageLanguage, text } from '../../src/http/link-pages';
import { throttlingRefusal } from '../../src/adapters/throttling';
import { routesHandler } from '../../src/http/routes';
import { customerFeedbackRoutes } from './routes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, SIGNING_KEYS_SECRET: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const client = documentClient();
const care = new CareStore(client, config.TABLE_NAME);
const leads = new LeadStore(client, config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
const answers = new SurveyAnswers({ keyRing, settings: care, leads, surveys: care, publisher, log: logger });

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
});
