import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, eventBridgeClient } from '../../shared/adapters/clients';
import { EventBridgePublisher } from '../../shared/adapters/event-publisher';
import { LeadStore } from '../../shared/adapters/lead-store';
import { RulesetStore } from '../../shared/adapters/ruleset-store';
import { logFailures, OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from '../../shared/batch';
import { readConfig, setting } from '../../shared/config';
import { DetailType, LeadsRescoreRequestedDetail } from '../../shared/domain/events';
import { scoringView } from '../../shared/domain/lead';
import { rescore } from '../../shared/domain/scoring/engine';
import type { Ruleset } from '../../shared/domain/scoring/ruleset';
import { qualifiedDetail } from '../../shared/domain/scoring/qualification';
import { publishPendingQualification } from '../../shared/qualification-outbox';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const store = new LeadStore(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const processor = new BatchProcessor(EventType.SQS);

const BusEvent = z.object({ 'detail-type': z.literal(DetailType.LeadsRescoreRequested), detail: LeadsRescoreRequestedDetail });


/**
 * Rescores one lead's scored history under the job's ruleset and counts it done, once. A lead that
 * live scoring already moved to this ruleset, or a job whose ruleset is no longer active, is only
 * counted. A qualification carries over, so a lead alerted before is not alerted again.
 */
async function rescoreLead(leadId: string, jobId: string, ruleset: Ruleset, correlationId: string): Promise<void> {
  for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
    const now = new Date().toISOString();
    const lead = await store.getLead(leadId);
    const stillActive = (await rulesets.activeVersion()) === ruleset.version;
    if (!lead || !lead.score || !stillActive || lead.score.rulesetVersion === ruleset.version) {
      await store.replaceScore(lead ?? { id: leadId, version: 0 }, undefined, jobId, now);
      return;
    }
    const history = (await store.eventsOf({ kind: 'lead', id: leadId })).filter((event) => event.scoredAt);
    const change = rescore(lead.score, history, scoringView(lead), ruleset, now);
    const pending = change?.qualified ? qualifiedDetail(leadId, change.state, change.qualified, correlationId) : lead.pendingQualification;
    const outcome = await store.replaceScore(lead, change?.state, jobId, now, pending);
    if (outcome !== 'lead-changed') {
      await publishPendingQualification(leadId, outcome === 'applied' ? pending : lead.pendingQualification, { publisher, store, logger });
      return;
    }
    await pauseBeforeRetry(attempt);
  }
  throw new Error(`Lead ${leadId} kept changing during rescoring; giving up after ${OPTIMISTIC_ATTEMPTS} attempts`);
}

async function rescoreRecord(record: SQSRecord): Promise<void> {
  const { detail } = BusEvent.parse(JSON.parse(record.body));
  const stored = await rulesets.get(detail.rulesetVersion);
  if (!stored) throw new Error(`Ruleset ${detail.rulesetVersion} not found`);
  for (const leadId of detail.leadIds) await rescoreLead(leadId, detail.jobId, stored.ruleset, detail.correlationId);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, logFailures(logger, rescoreRecord), processor, { context, throwOnFullBatchFailure: false });
};
