import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../src/domain/errors';
import {
  bandOf,
  bandUpperBound,
  byScore,
  decodeScoreCursor,
  encodeScoreCursor,
  pageByScore,
  type BandChunk,
  type ScoredLead,
} from '../../src/domain/score-order';
import { apply, round, scoreAt, scoreCeiling, type ScoredEvent, type ScoreState } from '../../src/domain/scoring/engine';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

const leadId = (index: number) => `${index.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

/** Leads with a stored ceiling and a current score at most that ceiling (decay only lowers it), on a two-decimal grid with many ties. */
const arbitraryLeads = fc
  .array(fc.record({ ceiling: fc.integer({ min: -5_000, max: 20_000 }), decay: fc.constantFrom(0, 0.25, 0.5, 0.9, 1), drop: fc.integer({ min: 0, max: 3_000 }) }), { maxLength: 120 })
  .map((raw) =>
    raw.map(({ ceiling, decay, drop }, index) => {
      const stored = ceiling / 100;
      return { id: leadId(index), ceiling: stored, score: round(Math.min(stored, stored * decay - drop / 100)) };
    }),
  );

/** The index as DynamoDB gives it: bands from the highest, each band's ids in any order, split into chunks of any size. */
function bandChunks(leads: readonly { id: string; ceiling: number }[], chunkSize: number): BandChunk[] {
  const byBand = new Map<number, string[]>();
  for (const lead of leads) byBand.set(bandOf(lead.ceiling), [...(byBand.get(bandOf(lead.ceiling)) ?? []), lead.id]);
  return [...byBand.entries()]
    .sort(([a], [b]) => b - a)
    .flatMap(([band, leadIds]) => {
      const chunks: BandChunk[] = [];
      for (let index = 0; index < leadIds.length; index += chunkSize) chunks.push({ band, leadIds: leadIds.slice(index, index + chunkSize) });
      return chunks;
    });
}

async function* streamed(chunks: readonly BandChunk[]) {
  for (const chunk of chunks) yield chunk;
}

describe('the list sorted by score, paged from the score bands', () => {
  it('gives every page in score order (ties by id), and its pages together list every lead exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryLeads, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 40 }), async (leads, limit, chunkSize) => {
        const scores = new Map(leads.map((lead) => [lead.id, lead]));
        const chunks = bandChunks(leads, chunkSize);
        const listed: ScoredLead[] = [];
        let after: ScoredLead | undefined;
        for (let pages = 0; pages <= leads.length + 1; pages += 1) {
          const load = async (leadIds: readonly string[]) => leadIds.map((id) => ({ id, score: scores.get(id)?.score ?? 0 }));
          const page = await pageByScore(streamed(chunks), load, limit, after);
          expect(page.items.length).toBeLessThanOrEqual(limit);
          expect([...page.items].sort(byScore)).toEqual(page.items);
          listed.push(...page.items);
          if (!page.more) break;
          after = page.items.at(-1);
          if (!after) break;
        }
        expect(listed).toEqual(leads.map(({ id, score }) => ({ id, score })).sort(byScore));
      }),
      { numRuns: 150 },
    );
  });

  it('reads no further down the bands than the page needs', async () => {
    const leads = [
      { id: leadId(1), ceiling: 95, score: 94 },
      { id: leadId(2), ceiling: 85, score: 81 },
      { id: leadId(3), ceiling: 45, score: 12 },
      { id: leadId(4), ceiling: 5, score: 1 },
    ];
    const read: number[] = [];
    const load = async (leadIds: readonly string[], band: number) => {
      read.push(band);
      return leadIds.map((id) => ({ id, score: leads.find((lead) => lead.id === id)?.score ?? 0 }));
    };
    const page = await pageByScore(streamed(bandChunks(leads, 10)), load, 2);
    expect(page.items.map((item) => item.score)).toEqual([94, 81]);
    expect(page.more).toBe(true);
    // The index entry of the band 40-50 shows 81 is the second: no lead below it is loaded.
    expect(read).toEqual([9, 8]);
  });
});

describe('a score ceiling', () => {
  const lead = { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' };
  /** Points that decay upwards and an activity rule that starts to hold with time: the cases where a score can rise without a write. */
  const risingRuleset: Ruleset = {
    ...starterRuleset,
    version: 'rising-1',
    rules: [
      ...starterRuleset.rules,
      { id: 'careers-page', description: 'Careers page (a job seeker)', score: 'engagement', points: -20, when: { event: { type: ['page_view'], properties: { url: [{ wildcard: '*careers*' }] } } } },
      { id: 'came-back-quiet', description: 'Quiet for 10 days', score: 'engagement', points: 7, when: { activity: { daysSinceLastEvent: [{ numeric: ['>=', 10] }] } } },
    ],
  };
  const START = Date.UTC(2026, 0, 5);
  const arbitraryHistory = fc.array(
    fc.record({ page: fc.constantFrom('/pricing', '/demo', '/careers', '/blog'), type: fc.constantFrom('page_view', 'page_view', 'content_download', 'webinar_registration'), minute: fc.integer({ min: 0, max: 60 * 24 * 60 }) }),
    { minLength: 1, maxLength: 25 },
  );

  /** The score state after a generated history, each event applied in turn as the scorer applies it. */
  const stateAfter = (raw: { page: string; type: string; minute: number }[], ruleset: Ruleset): ScoreState => {
    const events = raw.map(({ page, type, minute }, index): ScoredEvent => ({
      id: `evt-${index}`,
      type,
      occurredAt: new Date(START + minute * 60_000).toISOString(),
      properties: type === 'page_view' ? { url: `https://example.com${page}` } : {},
    }));
    return events.reduce<ScoreState | undefined>((previous, event) => apply(previous, { event, lead }, ruleset).state, undefined) as ScoreState;
  };

  it('is never below the score as read at any later time, so a lead never scores above its band', () => {
    fc.assert(
      fc.property(arbitraryHistory, fc.constantFrom(starterRuleset, risingRuleset), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 5 }), (raw, ruleset, laterDays) => {
        const state = stateAfter(raw, ruleset);
        const ceiling = scoreCeiling(state, lead, ruleset);
        for (const days of laterDays) {
          const read = scoreAt(state, lead, ruleset, new Date(Date.parse(state.engagementAt) + days * 86_400_000).toISOString());
          expect(read.total).toBeLessThanOrEqual(ceiling + 1e-9);
          expect(round(read.total)).toBeLessThan(bandUpperBound(bandOf(ceiling)));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('as of a later time only falls with time, equals the stored ceiling at the latest event, and stays above every score read from then on', () => {
    fc.assert(
      fc.property(arbitraryHistory, fc.constantFrom(starterRuleset, risingRuleset), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 2, maxLength: 5 }), (raw, ruleset, days) => {
        const state = stateAfter(raw, ruleset);
        const at = (day: number) => new Date(Date.parse(state.engagementAt) + day * 86_400_000).toISOString();
        expect(scoreCeiling(state, lead, ruleset, state.engagementAt)).toBe(scoreCeiling(state, lead, ruleset));
        const sorted = [...days].sort((a, b) => a - b);
        for (let index = 1; index < sorted.length; index += 1) {
          const earlier = scoreCeiling(state, lead, ruleset, at(sorted[index - 1] as number));
          const later = scoreCeiling(state, lead, ruleset, at(sorted[index] as number));
          expect(later).toBeLessThanOrEqual(earlier + 1e-9);
          // Every score read from the earlier time on is under the bound taken then.
          for (const read of sorted.slice(index - 1)) expect(scoreAt(state, lead, ruleset, at(read)).total).toBeLessThanOrEqual(earlier + 1e-9);
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('the cursor of the list sorted by score', () => {
  const now = '2026-11-30T12:00:00.000Z';
  const refused = (cursor: string) => {
    try {
      decodeScoreCursor(cursor, now);
    } catch (error) {
      return error instanceof InvalidInput ? error.issues.map((issue) => issue.field) : ['not a 400'];
    }
    return [];
  };

  it('gives back the position it was made from', () => {
    const position = { asOf: '2026-11-30T11:00:00.000Z', after: { id: leadId(7), score: 42.5 } };
    expect(decodeScoreCursor(encodeScoreCursor(position), now)).toEqual(position);
  });

  it('is refused with a 400 naming `cursor` when changed, made up, from the future or from the listing', () => {
    const good = encodeScoreCursor({ asOf: '2026-11-30T11:00:00.000Z', after: { id: leadId(7), score: 42.5 } });
    const edited = (change: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(good, 'base64url').toString()), ...change })).toString('base64url');
    for (const cursor of [
      good.slice(6),
      'not-a-cursor',
      edited({ asOf: '2027-01-01T00:00:00.000Z' }),
      edited({ after: { id: '__proto__', score: 1 } }),
      edited({ after: { id: leadId(7), score: 1e300 } }),
      edited({ extra: true }),
      Buffer.from(JSON.stringify({ shard: 3 })).toString('base64url'),
    ]) {
      expect(refused(cursor)).toEqual(['cursor']);
    }
  });
});
