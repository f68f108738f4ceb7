import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadStore } from '../../src/adapters/lead-store';
import { LifecycleStore } from '../../src/adapters/lifecycle-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';

import { readConfig, setting } from '../../src/config';
import { DetailType, LeadContactChangedDetail, LeadQualifiedDetail } from '../../src/domain/events';
import { transition } from '../../src/domain/handoff/lifecycle';
import { StageChanges, type ChangeOutcome } from '../../src/app/stage-changes';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const client = documentClient();
const stageChanges = new StageChanges({
  leads: new LeadStore(client, config.TABLE_NAME),
  lifecycle: new LifecycleStore(client, config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  logger,
});

const BusEvent = leadflowBusEvent({ [DetailType.LeadQualified]: LeadQualifiedDetail, [DetailType.LeadContactChanged]: LeadContactChangedDetail });

/** Raised so SQS delivers the record again: the stage is stored, its event is not on the bus yet. */
class StageChangeUnpublished extends Error {
  override readonly name = 'StageChangeUnpublished';
}

/**
 * Moves a qualified lead to `mql`, once per qualification. The lead itself says whether this
 * qualification still stands, so no applied-once marker is read or written: a duplicate finds the lead
 * in `mql` already, a concurrent one loses on the lead's version, and a late one finds the lead past it
 * or recycled, which resets the score (no longer qualified until its next qualification, which counts
 * one more under the same ruleset). A lead already past MQL stays where it is.
 */
async function recordQualification(detail: LeadQualifiedDetail): Promise<void> {
  const result = await stageChanges.change(detail.leadId, { correlationId: detail.correlationId }, (lead, stage, at) => {
    if (lead.score && !lead.score.qualified) return { kind: 'unchanged', why: 'no longer qualified' };
    if (lead.score?.rulesetVersion === detail.rulesetVersion && lead.score.qualifications !== detail.qualification) return { kind: 'unchanged', why: 'another qualification since' };
    const change = transition(stage, 'mql', 'qualified', 'leadflow', at);
    return change.ok ? { kind: 'write', transition: change.transition } : { kind: 'unchanged', why: `already ${stage}` };
  });
  settle(result, detail.leadId);
  logger.info('Qualification recorded', { leadId: detail.leadId, qualification: detail.qualification, outcome: result.outcome, ...(result.outcome === 'unchanged' ? { why: result.why } : {}) });
}

/**
 * A subscriber who tells us about themselves through a form (any field beyond the address) becomes
 * a lead. Only a subscriber moves, so a repeated delivery finds the lead already moved.
 */
async function recordFormDetails(detail: LeadContactChangedDetail): Promise<void> {
  // The CRM moves stages explicitly (`stage` in its update); its contact edits move nothing.
  if (detail.source !== 'form' || !detail.fields.some((field) => field !== 'email')) return;
  const result = await stageChanges.change(detail.leadId, { correlationId: detail.correlationId }, (_lead, stage, at) => {
    if (stage !== 'subscriber') return { kind: 'unchanged', why: `already ${stage}` };
    const change = transition(stage, 'lead', 'form', 'leadflow', at);
    return change.ok ? { kind: 'write', transition: change.transition } : { kind: 'refused', refusal: change };
  });
  settle(result, detail.leadId);
  if (result.outcome === 'changed') logger.info('Subscriber became a lead', { leadId: detail.leadId });
}

/** A missing lead or an unpublished change makes SQS deliver the record again. */
function settle(result: ChangeOutcome, leadId: string): void {
  if (result.outcome === 'no-lead') throw new Error(`Lead ${leadId} not found`);
  if (result.outcome === 'changed' && !result.published) throw new StageChangeUnpublished(`Stage change of lead ${leadId} not yet published`);
}

async function recordStageCause(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const event = record.body;
  return event['detail-type'] === DetailType.LeadQualified ? recordQualification(event.detail) : recordFormDetails(event.detail);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, recordStageCause);
};
