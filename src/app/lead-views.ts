import type { LifespanReader } from './ports';
import type { Lifespan } from '../domain/care/lifetime-value';
import type { Lead } from '../domain/lead';
import { scoringView } from '../domain/lead';
import { purchaseProfile } from '../domain/purchases';
import { segmentView, type CurrentScore } from '../domain/segments/segment';
import { scoreAt } from '../domain/scoring/engine';
import type { Ruleset } from '../domain/scoring/ruleset';

/** The rulesets leads were scored with, by version. */
export interface RulesetVersions {
  get(version: string): Promise<{ readonly ruleset: Ruleset } | undefined>;
}

/** How long one read of the average lifespan serves: it moves only when a customer churns or the settings change. */
const LIFESPAN_FRESH_MS = 60_000;

/**
 * A lead as it is now, as segment conditions, journey goals and branches see it: its scores decayed
 * to now with the ruleset that scored it (each version read once), its purchases and its customer
 * fields, valued with the team's average lifespan (read at most once a minute).
 */
export class LeadViewer {
  private readonly rulesets = new Map<string, Promise<Ruleset | undefined>>();
  private lifespanRead: { readonly at: number; readonly lifespan: Promise<Lifespan> } | undefined;

  constructor(
    private readonly rulesetStore: RulesetVersions,
    private readonly lifespans: LifespanReader,
  ) {}

  /** The team's average lifespan for projected lifetime values, read at most once a minute. */
  lifespan(): Promise<Lifespan> {
    const now = Date.now();
    if (!this.lifespanRead || now - this.lifespanRead.at > LIFESPAN_FRESH_MS) {
      const lifespan = this.lifespans.lifespan();
      // A failed read is not kept: the next view reads again.
      lifespan.catch(() => {
        if (this.lifespanRead?.lifespan === lifespan) this.lifespanRead = undefined;
      });
      this.lifespanRead = { at: now, lifespan };
    }
    return this.lifespanRead.lifespan;
  }

  async view(lead: Lead, now: string): Promise<Record<string, unknown>> {
    return segmentView(lead, await this.currentScore(lead, now), purchaseProfile(lead.purchases, now), now, await this.lifespan());
  }

  rulesetOf(lead: Lead): Promise<Ruleset | undefined> {
    const state = lead.score;
    if (!state) return Promise.resolve(undefined);
    let ruleset = this.rulesets.get(state.rulesetVersion);
    if (!ruleset) {
      ruleset = this.rulesetStore.get(state.rulesetVersion).then((stored) => stored?.ruleset);
      this.rulesets.set(state.rulesetVersion, ruleset);
    }
    return ruleset;
  }

  async currentScore(lead: Lead, now: string): Promise<CurrentScore | undefined> {
    return scoreWith(lead, await this.rulesetOf(lead), now);
  }
}

/** The lead's scores at `now`, decayed with the ruleset that scored it (as stored when that ruleset is gone). */
export function scoreWith(lead: Lead, scoredWith: Ruleset | undefined, now: string): CurrentScore | undefined {
  const state = lead.score;
  if (!state) return undefined;
  if (!scoredWith) return { fit: state.fit, engagement: state.engagement, total: state.total, grade: state.grade, qualified: state.qualified };
  const current = scoreAt(state, scoringView(lead), scoredWith, now);
  return { fit: current.fit, engagement: current.engagement, total: current.total, grade: current.grade, qualified: current.qualified };
}
