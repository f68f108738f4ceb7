import type { RuleTally, ScoreState } from './engine';

/**
 * The score of a lead sales sent back to nurture: who they are (fit) is kept, what they did is not.
 * Every engagement tally goes (event rules and activity rules; fit points an event earned stay, as
 * they say who the lead is and never decay), engagement restarts at zero from `at`, and the
 * lead is no longer qualified. Events from before `at` stop counting, also when a late one arrives or
 * a new ruleset replays the history. `qualifications` is kept, so the next crossing is a new
 * qualification number and therefore a new alert.
 */
export function recycledScore(state: ScoreState, at: string): ScoreState {
  const kept: Record<string, RuleTally> = {};
  for (const [ruleId, tally] of Object.entries(state.tallies)) {
    // Fit tallies have no events behind them; a state stored before tallies were compacted is written anew in the compact shape.
    if (tally.score === 'fit') kept[ruleId] = { score: tally.score, points: tally.points, times: tally.times, value: tally.value };
  }
  const { qualifiedAt: _dropped, hitEvents: _eventsOfDroppedTallies, ...rest } = state;
  const since = new Date(at).toISOString();
  return {
    ...rest,
    engagement: 0,
    // Decay and "days since the last event" count from the recycle, never from before it.
    engagementAt: since > state.engagementAt ? since : state.engagementAt,
    engagementSince: since,
    total: state.fit,
    qualified: false,
    tallies: kept,
  };
}
