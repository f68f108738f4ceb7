import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient } from '../../src/adapters/clients';
import { DataRights } from '../../src/adapters/data-rights';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { readConfig, setting } from '../../src/config';
import { DetailType, LeadErasureSweepDueDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting });
const logger = new Logger();
const client = documentClient();
const dataRights = new DataRights(client, config.TABLE_NAME, new LeadStore(client, config.TABLE_NAME));
const rulesets = new RulesetStore(client, config.TABLE_NAME);

const BusEvent = leadflowBusEvent({ [DetailType.LeadErasureSweepDue]: LeadErasureSweepDueDetail });

/** Deletes what work that read the lead just before its erasure wrote under its id after. Logged by the erasure's id, never the lead's. */
async function sweepRecord(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { leadId, erasureId } = record.body.detail;
  const outcome = await dataRights.sweepErased(leadId, await rulesets.rescoreMarkersOf(leadId));
  if (outcome === 'lead-present') logger.warn('Erasure not swept: the lead is still there (its erasure stopped before the profile went)', { erasureId });
  else logger.info('Erasure swept', { erasureId, items: outcome });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, sweepRecord);
};
