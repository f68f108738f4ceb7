import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { DateEntryStore, DateRoundStore, EnrolmentStore, JourneyStore, ShardSweepStore } from '../../src/adapters/journey-store';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { ScoreBandIndex } from '../../src/adapters/score-bands';
import { DateEntries } from '../../src/app/journey-date-entries';
import { TimerDispatch } from '../../src/app/journey-timer-dispatch';
import { SHARD_SWEEP_HOLD_MS } from '../../src/app/journey-timers';
import { ScoreBandRound } from '../../src/app/score-band-round';
import { readConfig, setting } from '../../src/config';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const dispatch = new TimerDispatch(new EnrolmentStore(documentClient(), config.TABLE_NAME), new ShardSweepStore(documentClient(), config.TABLE_NAME), publisher);
const dateEntries = new DateEntries({
  journeys: new JourneyStore(documentClient(), config.TABLE_NAME), listing: new LeadListing(documentClient(), config.TABLE_NAME), rounds: new DateRoundStore(documentClient(), config.TABLE_NAME),
  index: new DateEntryStore(documentClient(), config.TABLE_NAME),
  publisher,
  log: logger,
});

const bandIndex = new ScoreBandIndex(documentClient(), config.TABLE_NAME);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const bandRound = new ScoreBandRound(
  {
    bands: (from) => bandIndex.bands(from),
    getLeads: (leadIds) => leads.getLeads(leadIds),
    lowerBand: (leadId, scoreVersion, seenBand, band) => bandIndex.lowerBand(leadId, scoreVersion, seenBand, band),
    round: () => bandIndex.round(),
    saveRound: (round, rev) => bandIndex.saveRound(round, rev),
  },
  new RulesetStore(documentClient(), config.TABLE_NAME),
  logger,
);

/** Time left for the sweep to stop cleanly before the function's limit. */
const STOP_BEFORE_LIMIT_MS = 5_000;

/**
 * `nothingDueBefore` is the dispatch's (journey-timer-dispatch.ts), kept only when the date round put
 * nothing in the index in this run (its entries were written after the dispatch looked): EventBridge
 * Scheduler ignores it; the local stack skips runs until then while no other function runs.
 */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<{ shards: number[]; dateEntries: number; scoreBandsLowered: number; nothingDueBefore?: string | null }> => {
  logger.addContext(context);
  const now = new Date();
  const deadline = Date.now() + context.getRemainingTimeInMillis() - STOP_BEFORE_LIMIT_MS;
  const dispatched = await dispatch.dispatch(now, SHARD_SWEEP_HOLD_MS);
  // The round of date entries goes on where the last sweep left it, or starts when an hour has passed;
  // so does the round that lowers stale score bands (the list sorted by score reads the top of them).
  const dates = await dateEntries.pass(now, deadline);
  const bands = await bandRound.pass(now, deadline);
  return {
    shards: dispatched.shards,
    dateEntries: dates.requested,
    scoreBandsLowered: bands?.lowered ?? 0,
    ...(dispatched.nothingDueBefore !== undefined && dates.indexed === 0 ? { nothingDueBefore: dispatched.nothingDueBefore } : {}),
  };
};
