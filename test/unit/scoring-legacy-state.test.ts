import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apply, replay, scoreAt, topContributors, topContributorsOf, type ScoredEvent, type ScoreState } from '../../src/domain/scoring/engine';
import { recycledScore } from '../../src/domain/scoring/recycle';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

/**
 * Leads scored before tallies were compacted keep their stored state: each tally with its rule's
 * description and kind, and for a capped rule every event counted against the cap. The fixture is
 * what the engine of that time stored for `history` (commit ba88a56, `replay` under the starter
 * ruleset). Such a state is read as it is and written anew in the compact shape.
 */
const legacy = JSON.parse(readFileSync(new URL('../fixtures/legacy-score-state.json', import.meta.url), 'utf8')) as ScoreState;

const lead = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' };
const view = (id: string, path: string, at: string, secondsOnPage = 30): ScoredEvent => ({ id, type: 'page_view', occurredAt: at, properties: { url: `https://example.com${path}`, secondsOnPage } });
const other = (id: string, type: string, at: string): ScoredEvent => ({ id, type, occurredAt: at, properties: {} });
// 2026-11-02 and 2026-11-09 are Mondays.
const history: ScoredEvent[] = [
  view('ev-01', '/pricing', '2026-11-02T09:00:00.000Z', 200),
  view('ev-02', '/pricing', '2026-11-03T09:00:00.000Z'),
  view('ev-03', '/pricing', '2026-11-04T09:00:00.000Z', 150),
  view('ev-04', '/pricing', '2026-11-05T09:00:00.000Z'),
  view('ev-05', '/demo', '2026-11-05T10:00:00.000Z'),
  view('ev-06', '/features/scoring', '2026-11-06T10:00:00.000Z', 300),
  other('ev-07', 'content_download', '2026-11-06T11:00:00.000Z'),
  other('ev-08', 'webinar_registration', '2026-11-07T11:00:00.000Z'),
  other('ev-09', 'chat_message', '2026-11-09T08:00:00.000Z'),
  view('ev-10', '/pricing', '2026-11-10T09:00:00.000Z'),
  view('ev-11', '/features/segments', '2026-11-11T09:00:00.000Z', 400),
  other('ev-12', 'form_submission', '2026-11-12T09:00:00.000Z'),
  view('ev-13', '/pricing', '2026-11-16T09:00:00.000Z'),
  other('ev-14', 'content_download', '2026-11-17T11:00:00.000Z'),
  view('ev-15', '/pricing', '2026-11-18T09:00:00.000Z', 130),
  view('ev-16', '/pricing', '2026-11-17T09:00:00.000Z'),
];
const compact = replay(history, lead, starterRuleset).state as ScoreState;
const now = '2026-12-01T00:00:00.000Z';

describe('a score state stored before tallies were compacted', () => {
  it('is the old shape: descriptions and every counted event of a capped rule', () => {
    expect(legacy.tallies['pricing-page']).toMatchObject({ description: 'Pricing page view', kind: 'event', times: 7 });
    expect(legacy.tallies['pricing-page']?.hits).toHaveLength(7);
  });

  it('explains the score as a state stored today does: the same figures, descriptions and latest events', () => {
    const fromLegacy = scoreAt(legacy, lead, starterRuleset, now);
    const fromCompact = scoreAt(compact, lead, starterRuleset, now);
    const { tallies: legacyLedger, ...legacyScore } = fromLegacy;
    const { tallies: compactLedger, ...compactScore } = fromCompact;
    expect(legacyScore).toEqual(compactScore);
    expect(Object.keys(legacyLedger)).toEqual(Object.keys(compactLedger));
    for (const [ruleId, line] of Object.entries(compactLedger)) {
      const { hits, ...figures } = line;
      expect(legacyLedger[ruleId], ruleId).toMatchObject(figures);
      expect(legacyLedger[ruleId]?.hits.at(-1), ruleId).toEqual(hits.at(-1));
    }
    expect(compactLedger['pricing-page']?.description).toBe('Pricing page view');
  });

  it('scores the next events, a late one included, as a state stored today does, and is written in the compact shape', () => {
    // ev-17 happened in the week of 2026-11-16, whose three pricing views all counted, before ev-15: it takes ev-15's place.
    const late = view('ev-17', '/pricing', '2026-11-17T08:00:00.000Z');
    const next = view('ev-18', '/demo', '2026-11-19T09:00:00.000Z');
    const applyBoth = (state: ScoreState) => [late, next].reduce((current, event) => apply(current, { event, lead }, starterRuleset).state, state);
    const fromLegacy = applyBoth(legacy);
    expect(fromLegacy).toEqual(applyBoth(compact));
    expect(fromLegacy.tallies['pricing-page']).toMatchObject({ points: 70, times: 7 });
    // Kept: the counted views of the weeks overlapping the 7 days before the latest event (2026-11-19).
    expect(scoreAt(fromLegacy, lead, starterRuleset, now).tallies['pricing-page']?.hits.map((hit) => hit.eventId)).toEqual(['ev-10', 'ev-13', 'ev-17', 'ev-16']);
    expect(JSON.stringify(fromLegacy)).not.toMatch(/description|"kind"/);
  });

  it('is written in the compact shape even by an event that counts for nothing', () => {
    const recycled = { ...legacy, engagementSince: '2026-11-20T00:00:00.000Z' };
    const { state } = apply(recycled, { event: other('ev-19', 'chat_message', '2026-11-19T00:00:00.000Z'), lead }, starterRuleset);
    expect(JSON.stringify(state)).not.toMatch(/description|"kind"/);
    expect(scoreAt(state, lead, starterRuleset, now).tallies).toEqual(scoreAt(recycled, lead, starterRuleset, now).tallies);
  });

  it('names its top contributors with the descriptions it stored, with or without the ruleset', () => {
    expect(topContributors(legacy)).toEqual(topContributorsOf(compact, lead, starterRuleset));
    expect(topContributors(legacy)[0]).toMatchObject({ ruleId: 'pricing-page', description: 'Pricing page view', points: 70 });
  });

  it('recycles into the compact shape, reading as a state stored today does', () => {
    const recycled = recycledScore(legacy, '2026-11-20T00:00:00.000Z');
    expect(scoreAt(recycled, lead, starterRuleset, now)).toEqual(scoreAt(recycledScore(compact, '2026-11-20T00:00:00.000Z'), lead, starterRuleset, now));
    expect(JSON.stringify(recycled)).not.toMatch(/description|"kind"|hitEvents/);
  });
});
