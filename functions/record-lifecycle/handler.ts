import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, eventBridgeClient } from '../../shared/adapters/clients';
import { EventBridgePublisher } from '../../shared/adapters/event-publisher';
import { LeadStore } from '../../shared/adapters/lead-store';
import { LifecycleStore } from '../../shared/adapters/lifecycle-store';
import { logFailures } from '../../shared/batch';
import { readConfig, setting } from '../../shared/config';
import { DetailType, LeadQualifiedDetail } from '../../shared/domain/events';
import { transition } from '../../shared/domain/handoff/lifecycle';
import { StageChanges } from '../../shared/stage-changes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const client = documentClient();
const stageChanges = new StageChanges({
  leads: new LeadStore(client, config.TABLE_NAME),
  lifecycle: new LifecycleStore(client, config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  logger,
});
const processor = new BatchProcessor(EventType.SQS);

const BusEvent = z.object({ 'detail-type': z.literal(DetailType.LeadQualified), detail: LeadQualifiedDetail });

/** Raised so SQS delivers the record again: the stage is stored, its event is not on the bus yet. */
class StageChangeUnpublished extends Error {
  override readonly name = 'StageChangeUnpublished';
}

/**
 * Moves a qualified lead to `mql`, once per qualification: the qualification (ruleset + number) keys
 * the change, so a duplicate or concurrent delivery records one transition. A lead already past MQL,
 * or no longer qualified (sales recycled it since), stays where it is.
 */
async function recordQualification(record: SQSRecord): Promise<void> {
  const { detail } = BusEvent.parse(JSON.parse(record.body));
  const onceKey = `qualified#${detail.rulesetVersion}#${detail.qualification}`;
  const result = await stageChanges.change(detail.leadId, { onceKey, correlationId: detail.correlationId }, (lead, stage, at) => {
    if (lead.score && !lead.score.qualified) return { kind: 'unchanged', why: 'no longer qualified' };
    const change = transition(stage, 'mql', 'qualified', 'leadflow', at);
    return change.ok ? { kind: 'write', transition: change.transition } : { kind: 'unchanged', why: `already ${stage}` };
  });
  if (result.outcome === 'no-lead') throw new Error(`Lead ${detail.leadId} not found`);
  if (result.outcome === 'changed' && !result.published) throw new StageChangeUnpublished(`Stage change of lead ${detail.leadId} not yet published`);
  logger.info('Qualification recorded', { leadId: detail.leadId, qualification: detail.qualification, outcome: result.outcome, ...(result.outcome === 'unchanged' ? { why: result.why } : {}) });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, logFailures(logger, recordQualification), processor, { context, throwOnFullBatchFailure: false });
};
