import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import * as keys from '../../src/adapters/keys';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { ScoreStore } from '../../src/adapters/score-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from '../../src/app/optimistic-retry';
import { readConfig, setting } from '../../src/config';
import { isApplied } from '../../src/domain/event-log';
import { DetailType, LeadsRescoreRequestedDetail } from '../../src/domain/events';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { rescoredLead } from '../../src/domain/scoring/qualification';
import { scoreCeiling } from '../../src/domain/scoring/engine';
import { bandOf } from '../../src/domain/score-order';
import { scoringView } from '../../src/domain/lead';
import { publishPendingQualification } from '../../src/app/qualification-outbox';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const leadEvents = new LeadEventStore(documentClient(), config.TABLE_NAME);
const scores = new ScoreStore(documentClient(), config.TABLE_NAME);
const rulesets = new RulesetStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

const BusEvent = leadflowBusEvent({ [DetailType.LeadsRescoreRequested]: LeadsRescoreRequestedDetail });

/**
 * Rescores one lead's scored history under the job's ruleset and counts it done, once. A lead with
 * nothing scored, or one live scoring already moved to this ruleset, is only counted, and so is every
 * lead of a job a newer ruleset superseded (no `ruleset`: that ruleset's own job rescores them). A
 * qualification carries over, so a lead alerted before is not alerted again.
 */
async function rescoreLead(leadId: string, jobId: string, ruleset: Ruleset | undefined, correlationId: string): Promise<void> {
  for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
    const now = new Date().toISOString();
    const view = await scores.scoringView(leadId);
    if (!view) {
      // Erased since the job listed it: counted under keys.goneLeadId, so no marker names it again.
      await countOnly(keys.goneLeadId(leadId), jobId, now);
      return;
    }
    const { lead } = view;
    if (!ruleset || !lead.score || lead.score.rulesetVersion === ruleset.version) {
      await countOnly(leadId, jobId, now);
      return;
    }
    // What the score holds is replayed; events recorded since are live scoring's to add, under the new ruleset.
    const history = (await leadEvents.eventsOf({ kind: 'lead', id: leadId })).filter((event) => isApplied(event, view.watermark));
    const { state, pending } = rescoredLead(lead, history, ruleset, correlationId, now);
    const outcome = await scores.replaceScore(lead, state ? { score: state, band: bandOf(scoreCeiling(state, scoringView(lead), ruleset)), watermark: view.watermark } : undefined, jobId, now, pending);
    if (outcome !== 'lead-changed') {
      await publishPendingQualification(leadId, outcome === 'applied' ? pending : lead.pendingQualification, { publisher, store: scores, logger });
      return;
    }
    await pauseBeforeRetry(attempt);
  }
  throw new Error(`Lead ${leadId} kept changing during rescoring; giving up after ${OPTIMISTIC_ATTEMPTS} attempts`);
}

/** Counts a lead done for the job without touching its score. */
const countOnly = (leadId: string, jobId: string, at: string) => scores.replaceScore({ id: leadId }, undefined, jobId, at);

async function rescoreRecord(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { detail } = record.body;
  const stored = await rulesets.get(detail.rulesetVersion);
  if (!stored) throw new Error(`Ruleset ${detail.rulesetVersion} not found`);
  // A newer ruleset was activated since this job began: its own job rescores these leads.
  const superseded = (await rulesets.activeVersion()) !== stored.version;
  for (const leadId of detail.leadIds) await rescoreLead(leadId, detail.jobId, superseded ? undefined : stored.ruleset, detail.correlationId);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, rescoreRecord);
};
