import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient } from '../../src/adapters/clients';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { ScoreBandIndex } from '../../src/adapters/score-bands';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { ScoreBandRefiling } from '../../src/app/leads-by-score';
import { readConfig, setting } from '../../src/config';
import { DetailType, LeadContactChangedDetail } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting });
const logger = new Logger();
const client = documentClient();
const refiling = new ScoreBandRefiling(new ScoreBandIndex(client, config.TABLE_NAME), new RulesetStore(client, config.TABLE_NAME));

const BusEvent = leadflowBusEvent({ [DetailType.LeadContactChanged]: LeadContactChangedDetail });

/**
 * A CRM contact change may change the lead's fit with no score write: its score is filed anew under
 * the band of its new profile. A record that fails (a busy table, a lead changing under every attempt)
 * is delivered again, and lands in the DLQ after the last; a repeat writes nothing once the band is right.
 */
async function refile(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  await refiling.refile(record.body.detail.leadId, new Date().toISOString());
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, refile);
};
