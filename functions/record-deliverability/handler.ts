import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { documentClient, secretsManagerClient } from '../../src/adapters/clients';
import { cachedSecret } from '../../src/adapters/secrets';
import { LeadStore } from '../../src/adapters/lead-store';
import { SuppressionStore } from '../../src/adapters/suppression-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';

import { readConfig, setting } from '../../src/config';
import { addressHash, deliverabilityFindings, SesDeliveryEvent, SOFT_BOUNCES_TO_SUPPRESS, type DeliverabilityFinding, type SuppressionReason } from '../../src/domain/consent/suppression';

const config = readConfig({ TABLE_NAME: setting, PRIVACY_SALT_SECRET: setting });
const logger = new Logger();
const suppressions = new SuppressionStore(documentClient(), config.TABLE_NAME);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const privacySalt = cachedSecret(secretsManagerClient(), config.PRIVACY_SALT_SECRET, (salt) => salt);

const BusEvent = z.object({ time: z.string(), detail: SesDeliveryEvent });

/** Suppresses the address and shows it on its lead. */
async function suppress(email: string, hash: string, reason: SuppressionReason, detail: string, at: string) {
  const outcome = await suppressions.suppress({ hash, email, reason, detail, at });
  await leads.setEmailSuppression(email, { reason, at });
  logger.info('Address suppressed', { hash, reason, outcome });
}

async function record(finding: DeliverabilityFinding, messageId: string, at: string) {
  const hash = addressHash(await privacySalt(), finding.email);
  if (finding.kind !== 'soft_bounce') return suppress(finding.email, hash, finding.kind, finding.detail, at);
  const bounces = await suppressions.countSoftBounce(hash, messageId, at);
  if (bounces >= SOFT_BOUNCES_TO_SUPPRESS) await suppress(finding.email, hash, 'repeated_soft_bounce', `${bounces} transient bounces, last ${finding.detail}`, at);
}

/** SES bounces and complaints (forwarded from the default bus) keep the suppression list current. */
async function processRecord(sqsRecord: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const event = sqsRecord.body;
  for (const finding of deliverabilityFindings(event.detail)) await record(finding, event.detail.mail.messageId, new Date(event.time).toISOString());
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, processRecord);
};
