import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { CareStore } from '../../src/adapters/care-store';
import { documentClient, schedulerClient, secretsManagerClient } from '../../src/adapters/clients';
import { putOneTimeSchedule, schedulerSettings } from '../../src/adapters/scheduler';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { isLastDelivery, processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { subscriberMail } from '../../src/adapters/subscriber-mail';
import { SurveySender } from '../../src/app/survey-sending';
import { readConfig, setting } from '../../src/config';
import { surveyLinks } from '../../src/domain/care/survey-links';
import { DetailType, SurveyDueDetail } from '../../src/domain/events';

const config = readConfig({ SIGNING_KEYS_SECRET: setting, MAX_RECEIVE_COUNT: setting });
const logger = new Logger();
const { leads, mailer, isSuppressed, link, tableName, publicBaseUrl } = subscriberMail();
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
// Send claims taken over once stale (twice the function's 30 s timeout). A record that finds one held is
// retried after the queue's visibility timeout (6 x 30 s), by when a claim a crash left is stale: the
// survey is sent late, not lost, with no SQS client in the bundle. On the record's last delivery a held
// claim is taken over (npm start retries within seconds, before a claim a kill -9 left is stale).
const care = new CareStore(documentClient(), tableName, 60_000);
const scheduler = schedulerClient();
const timerSettings = schedulerSettings();
const sender = new SurveySender({
  leads,
  settings: care,
  records: care,
  surveyMail: {
    links: async (survey, claims) => surveyLinks(await keyRing(), publicBaseUrl, survey, claims),
    unsubscribeUrl: (leadId, subscription) => link('/v1/unsubscribe', 'unsubscribe', { leadId, subscription }),
    isSuppressed,
  },
  // The next round's timer is put by name (moved when it exists); never deleted: a churned customer's next round
  // finds it gone from the surveyed stages.
  schedules: { put: (schedule) => putOneTimeSchedule(scheduler, timerSettings, schedule) },
  mailer,
  log: logger,
  now: () => new Date(),
});

const BusEvent = leadflowBusEvent({ [DetailType.SurveyDue]: SurveyDueDetail });

async function send(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  return sender.surveyDue(record.body.detail, { last: isLastDelivery(record, Number(config.MAX_RECEIVE_COUNT)) });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, send);
};
