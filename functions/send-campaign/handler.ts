import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { CampaignSendStore } from '../../src/adapters/campaign-sends';
import { documentClient, schedulerClient } from '../../src/adapters/clients';
import { sendingStopped } from '../../src/adapters/mailer';
import { isThrottling } from '../../src/adapters/throttling';
import { DynamoSendRate } from '../../src/adapters/send-rate';
import { MarketingSendLedgerStore, SendPolicyStore } from '../../src/adapters/send-policy-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { readTemplateVersion } from '../../src/adapters/template-store';
import { ScheduledRecipientDeferrals } from '../../src/adapters/recipient-deferrals';
import { createOneTimeSchedule, schedulerSettings } from '../../src/adapters/scheduler';
import { claimStaleSeconds, positiveInteger, readConfig, scheduleSoonestSeconds } from '../../src/config';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';

import { CampaignSending } from '../../src/app/campaign-sending';
import { MarketingSendGate } from '../../src/app/marketing-send-gate';
import { subscriberMail } from '../../src/adapters/subscriber-mail';
import { CampaignRecipientsPlannedDetail, CampaignTestRequestedDetail, DetailType, TemplateTestRequestedDetail } from '../../src/domain/events';

const logger = new Logger();
const { tableName, publicBaseUrl, leads, mailer, isSuppressed, suppressedAmong, link } = subscriberMail();
const subscriptionTypes = new SubscriptionTypeStore(documentClient(), tableName).current;
const templateTable = documentClient();
const scheduler = schedulerClient();
const deferralSettings = schedulerSettings();
const sending = new CampaignSending({
  campaigns: new CampaignSendStore(documentClient(), tableName),
  // Template test sends read the version they name, and nothing else of the templates.
  templates: { getVersion: (templateId, version) => readTemplateVersion(templateTable, tableName, templateId, version) },
  leads,
  gate: new MarketingSendGate({ leads, suppressedAmong, policy: new SendPolicyStore(documentClient(), tableName), ledger: new MarketingSendLedgerStore(documentClient(), tableName), subscriptionTypes }),
  deferrals: new ScheduledRecipientDeferrals((schedule) => createOneTimeSchedule(scheduler, deferralSettings, schedule), scheduleSoonestSeconds() * 1000),
  mailer,
  failures: { throttled: isThrottling, stopped: sendingStopped },
  sendRate: new DynamoSendRate(documentClient(), tableName, readConfig({ SES_MAX_SEND_RATE: positiveInteger }).SES_MAX_SEND_RATE),
  isSuppressed,
  link,
  publicBaseUrl,
  subscriptionTypes,
  log: logger,
  // A send claimed longer ago was left by a sender that has surely ended (120 s: the function's timeout in the manifest).
  abandonedClaimMs: claimStaleSeconds(120) * 1000,
});

const BusEvent = leadflowBusEvent({ [DetailType.CampaignRecipientsPlanned]: CampaignRecipientsPlannedDetail, [DetailType.CampaignTestRequested]: CampaignTestRequestedDetail, [DetailType.TemplateTestRequested]: TemplateTestRequestedDetail });

async function sendCampaignRecord(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const busEvent = record.body;
  if (busEvent['detail-type'] === DetailType.CampaignTestRequested) return sending.sendTest(busEvent.detail);
  if (busEvent['detail-type'] === DetailType.TemplateTestRequested) return sending.sendTemplateTest(busEvent.detail);
  return sending.sendPlanned(busEvent.detail);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, sendCampaignRecord);
};
