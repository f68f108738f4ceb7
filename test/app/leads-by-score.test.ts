import { describe, expect, it } from 'vitest';
import { encoded } from '../../src/app/lead-search';
import { LeadsByScore, REPAIR_LAG_MS, ScoreBandBackfill, ScoreBandRefiling, type BandRefilePort, type ScoreBandsPort, type UnbandedLeadsPort } from '../../src/app/leads-by-score';
import { BAND_ROUND_EVERY_MS, ScoreBandRound, type BandRoundIndex } from '../../src/app/score-band-round';
import { InvalidInput, LeadBusy } from '../../src/domain/errors';
import { scoringView, type Lead } from '../../src/domain/lead';
import type { LeadCursor } from '../../src/domain/lead-listing';
import { bandOf, bandUpperBound, type BandChunk, type BandRound } from '../../src/domain/score-order';
import { apply, scoreAt, scoreCeiling, type ScoredEvent, type ScoreState } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

const NOW = '2026-11-30T12:00:00.000Z';
const DAY = 86_400_000;
const profiles = [
  { role: 'VP Marketing', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' },
  { role: 'Intern', industry: 'Retail', teamSize: 3, country: 'ID' },
  { role: 'Director', industry: 'Fintech', teamSize: 40, country: 'GB' },
];
const pages = ['/pricing', '/demo', '/features/a', '/blog'];

/** Lead `n`: a profile, a few page views some days before NOW (so scores have decayed by different amounts), an owner and a stage. */
function scoredLead(n: number): Lead {
  const profile = profiles[n % profiles.length] as (typeof profiles)[number];
  const daysAgo = (n * 7) % 90;
  const events: ScoredEvent[] = Array.from({ length: 1 + (n % 5) }, (_, index) => ({
    id: `evt-${n}-${index}`,
    type: 'page_view',
    occurredAt: new Date(Date.parse(NOW) - daysAgo * DAY - index * 3_600_000).toISOString(),
    properties: { url: `https://example.com${pages[(n + index) % pages.length]}` },
  }));
  const score = events.reduce<ScoreState | undefined>((state, event) => apply(state, { event, lead: profile }, starterRuleset).state, undefined);
  const at = '2026-08-01T00:00:00.000Z';
  return {
    id: `${(n % 16).toString(16)}${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`,
    email: `person-${n}@example.com`,
    createdAt: at,
    updatedAt: at,
    firstTouch: { at, formId: 'demo' },
    lastTouch: { at },
    subscriptions: {},
    version: 1,
    ...profile,
    stage: n % 4 === 0 ? 'mql' : 'lead',
    ...(n % 3 === 0 ? { owner: { repId: 'rep-a', teamId: 'team', assignedAt: at } } : {}),
    ...(score ? { score, scoreVersion: 1 } : {}),
  } as Lead;
}

/**
 * The band index in memory: each banded lead filed under the band its score write gave it; bands
 * highest first, in chunks of 7. `scoreVersions` is the score version stored now (a scorer writing
 * after the list read the lead changes it); every lead is read at version 1.
 */
function memoryBands(leads: readonly Lead[], banded: (lead: Lead) => boolean, filled = true): ScoreBandsPort & { bands(from?: number): AsyncIterable<BandChunk>; bandOf: Map<string, number>; scoreVersions: Map<string, number>; lowered: string[] } {
  const bandOfLead = new Map<string, number>();
  for (const lead of leads) if (lead.score && banded(lead)) bandOfLead.set(lead.id, bandOf(scoreCeiling(lead.score, scoringView(lead), starterRuleset)));
  const scoreVersions = new Map<string, number>();
  const lowered: string[] = [];
  return {
    bandOf: bandOfLead,
    scoreVersions,
    lowered,
    async lowerBand(leadId, scoreVersion, seenBand, band) {
      if ((scoreVersions.get(leadId) ?? 1) !== scoreVersion || bandOfLead.get(leadId) !== seenBand) return false;
      bandOfLead.set(leadId, band);
      lowered.push(leadId);
      return true;
    },
    async *bands(from?: number): AsyncGenerator<BandChunk> {
      const bands = [...new Set(bandOfLead.values())].filter((band) => from === undefined || band <= from).sort((a, b) => b - a);
      for (const band of bands) {
        const ids = [...bandOfLead].filter(([, value]) => value === band).map(([id]) => id);
        for (let index = 0; index < ids.length; index += 7) yield { band, leadIds: ids.slice(index, index + 7) };
      }
    },
    getLeads: async (ids) => leads.filter((lead) => ids.includes(lead.id)),
    filled: async () => filled,
  };
}

const rulesets = { get: async (version: string) => (version === starterRuleset.version ? { ruleset: starterRuleset } : undefined) };
const currentTotal = (lead: Lead) => Math.round(scoreAt(lead.score as ScoreState, scoringView(lead), starterRuleset, NOW).total * 100) / 100;

async function everyPage(list: LeadsByScore, filter: Parameters<LeadsByScore['page']>[0], limit: number) {
  const seen: { id: string; total: number }[] = [];
  let cursor: string | undefined;
  do {
    const page = await list.page(filter, limit, cursor, NOW);
    seen.push(...page.items.map((item) => ({ id: item.id, total: item.score?.total ?? Number.NaN })));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

const expectedOrder = (leads: readonly Lead[]) =>
  leads
    .filter((lead) => lead.score)
    .map((lead) => ({ id: lead.id, total: currentTotal(lead) }))
    .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id));

describe('the lead list sorted by score', () => {
  const leads = Array.from({ length: 90 }, (_, n) => scoredLead(n));

  it("lists every scored lead once, highest current score first (ties by id), page after page, with each lead's current score", async () => {
    const list = new LeadsByScore(memoryBands(leads, () => true), rulesets);
    expect(await everyPage(list, {}, 8)).toEqual(expectedOrder(leads));
    const first = await list.page({}, 5, undefined, NOW);
    expect(first.approximate).toBe(false);
    expect(first.items[0]?.score?.asOf).toBe(NOW);
  });

  it('combines with the stage, owner, grade and text filters', async () => {
    const list = new LeadsByScore(memoryBands(leads, () => true), rulesets);
    const matching = leads.filter((lead) => lead.stage === 'mql' && lead.owner?.repId === 'rep-a');
    expect(await everyPage(list, { stage: 'mql', owner: 'rep-a' }, 3)).toEqual(expectedOrder(matching));
    const gradeA = leads.filter((lead) => scoreAt(lead.score as ScoreState, scoringView(lead), starterRuleset, NOW).grade === 'A');
    expect(gradeA.length).toBeGreaterThan(0);
    expect(await everyPage(list, { grade: 'A' }, 10)).toEqual(expectedOrder(gradeA));
    expect(await everyPage(list, { q: 'person-1' }, 10)).toEqual(expectedOrder(leads.filter((lead) => lead.email.startsWith('person-1'))));
  });

  it('refuses a segment filter and a changed cursor with a 400 naming the parameter', async () => {
    const list = new LeadsByScore(memoryBands(leads, () => true), rulesets);
    const fieldOf = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (error) {
        return error instanceof InvalidInput ? error.issues.map((issue) => issue.field) : [];
      }
      return [];
    };
    expect(await fieldOf(() => list.page({ segment: '11111111-1111-4111-8111-111111111111' }, 5, undefined, NOW))).toEqual(['segment']);
    const { nextCursor } = await list.page({}, 5, undefined, NOW);
    expect(await fieldOf(() => list.page({}, 5, `${nextCursor?.slice(0, 10)}A${nextCursor?.slice(11)}`, NOW))).toEqual(['cursor']);
    expect(await fieldOf(() => list.page({}, 5, encoded({ shard: 2 }), NOW))).toEqual(['cursor']);
  });

  it('says it is approximate while leads scored before the index have no band, and lists only banded leads', async () => {
    const list = new LeadsByScore(memoryBands(leads, (lead) => lead.id.startsWith('0') === false, false), rulesets);
    const page = await list.page({}, 200, undefined, NOW);
    expect(page.approximate).toBe(true);
    expect(page.items.map((item) => item.id)).toEqual(expectedOrder(leads.filter((lead) => !lead.id.startsWith('0'))).map((item) => item.id));
  });

  it("says it is approximate when a lead's profile changed since its score was written and it now scores above its band", async () => {
    const bands = memoryBands(leads, () => true);
    const promoted = leads.map((lead, n) => (n === 1 ? { ...lead, role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 90_000 } : lead));
    const list = new LeadsByScore({ ...bands, getLeads: async (ids) => promoted.filter((lead) => ids.includes(lead.id)) }, rulesets);
    expect((await list.page({}, 200, undefined, NOW)).approximate).toBe(true);
  });
});

describe('the sorted list repairing stale bands', () => {
  const leads = Array.from({ length: 90 }, (_, n) => scoredLead(n));
  const ceilingNow = (lead: Lead) => scoreCeiling(lead.score as ScoreState, scoringView(lead), starterRuleset, new Date(Date.parse(NOW) - REPAIR_LAG_MS).toISOString());

  it('lowers the band of a stale lead it reads to the band of its ceiling as of now, and the next read of the page reads far fewer leads', async () => {
    const bands = memoryBands(leads, () => true);
    const stale = leads.filter((lead) => bandOf(ceilingNow(lead)) < (bands.bandOf.get(lead.id) as number));
    expect(stale.length).toBeGreaterThan(20);
    const list = new LeadsByScore(bands, rulesets);
    const first = await list.page({}, 5, undefined, NOW);
    expect(bands.lowered.length).toBeGreaterThan(0);
    for (const leadId of bands.lowered) expect(bands.bandOf.get(leadId)).toBe(bandOf(ceilingNow(leads.find((lead) => lead.id === leadId) as Lead)));
    const second = await list.page({}, 5, undefined, NOW);
    expect(second.items).toEqual(first.items);
    expect(second.scanned).toBeLessThan(first.scanned / 2);
    // Repaired bands keep the list exact, page after page.
    expect(await everyPage(list, {}, 8)).toEqual(expectedOrder(leads));
    expect((await list.page({}, 5, undefined, NOW)).approximate).toBe(false);
  });

  it('changes nothing when the scorer wrote the lead after the list read it', async () => {
    const bands = memoryBands(leads, () => true);
    const before = new Map(bands.bandOf);
    for (const lead of leads) bands.scoreVersions.set(lead.id, 2);
    const list = new LeadsByScore(bands, rulesets);
    const page = await list.page({}, 5, undefined, NOW);
    expect(bands.lowered).toEqual([]);
    expect(bands.bandOf).toEqual(before);
    expect(page.items.map((item) => item.id)).toEqual(expectedOrder(leads).slice(0, 5).map((item) => item.id));
  });

  it('says a page of a cursor older than the repairs look back is approximate', async () => {
    const list = new LeadsByScore(memoryBands(leads, () => true), rulesets);
    const { nextCursor } = await list.page({}, 5, undefined, NOW);
    const later = new Date(Date.parse(NOW) + REPAIR_LAG_MS + 1).toISOString();
    expect((await list.page({}, 5, nextCursor, later)).approximate).toBe(true);
    expect((await list.page({}, 5, nextCursor, new Date(Date.parse(NOW) + 60_000).toISOString())).approximate).toBe(false);
  });
});

/** The band index with the round's stored place, in memory. */
function memoryRoundIndex(leads: readonly Lead[]) {
  const bands = memoryBands(leads, () => true);
  let stored: (BandRound & { rev: number }) | undefined;
  const byId = new Map(leads.map((lead) => [lead.id, lead]));
  bands.getLeads = async (ids) => ids.flatMap((id) => byId.get(id) ?? []);
  const index: BandRoundIndex = {
    bands: (from) => bands.bands(from),
    getLeads: bands.getLeads,
    lowerBand: bands.lowerBand,
    round: async () => stored,
    saveRound: async (round, rev) => {
      if ((stored?.rev ?? 0) !== rev) return false;
      stored = { ...round, rev: rev + 1 };
      return true;
    },
  };
  return { bands, index, stored: () => stored };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const FAR = Number.POSITIVE_INFINITY;

describe('the hourly score band round', () => {
  const ceilingThen = (lead: Lead) => scoreCeiling(lead.score as ScoreState, scoringView(lead), starterRuleset, new Date(Date.parse(NOW) - REPAIR_LAG_MS).toISOString());

  it('lowers every stale lead at the top of the index, so the first page then reads no stale lead and the list stays exact', async () => {
    const leads = Array.from({ length: 3_000 }, (_, n) => scoredLead(n));
    const { bands, index, stored } = memoryRoundIndex(leads);
    const stale = () => leads.filter((lead) => bandOf(ceilingThen(lead)) < (bands.bandOf.get(lead.id) as number));
    expect(stale().length).toBeGreaterThan(500);
    const round = new ScoreBandRound(index, rulesets, quiet);
    const outcome = await round.pass(new Date(NOW), FAR);
    expect(outcome?.lowered).toBeGreaterThan(0);
    // It stops once enough leads are in place: it does not read the whole index every hour.
    expect(outcome?.read).toBeLessThan(leads.length);
    expect(stored()).toMatchObject({ startedAt: NOW, finishedAt: NOW });
    for (const leadId of bands.lowered) expect(bands.bandOf.get(leadId)).toBe(bandOf(ceilingThen(leads.find((lead) => lead.id === leadId) as Lead)));

    const lowered = bands.lowered.length;
    const list = new LeadsByScore(bands, rulesets);
    const first = await list.page({}, 200, undefined, NOW);
    expect(bands.lowered.length).toBe(lowered);
    expect(first.items.map((item) => item.id)).toEqual(expectedOrder(leads).slice(0, 200).map((item) => item.id));
    expect(first.scanned).toBeLessThan(outcome?.read ?? 0);
  });

  it('starts a round an hour after the last one started, not before', async () => {
    const { index } = memoryRoundIndex(Array.from({ length: 40 }, (_, n) => scoredLead(n)));
    const round = new ScoreBandRound(index, rulesets, quiet);
    expect(await round.pass(new Date(NOW), FAR)).toBeDefined();
    expect(await round.pass(new Date(Date.parse(NOW) + BAND_ROUND_EVERY_MS - 1), FAR)).toBeUndefined();
    expect(await round.pass(new Date(Date.parse(NOW) + BAND_ROUND_EVERY_MS), FAR)).toBeDefined();
  });

  it('saves the band it stopped at when its deadline passes, and the next sweep goes on from there', async () => {
    const leads = Array.from({ length: 300 }, (_, n) => scoredLead(n));
    const { bands, index, stored } = memoryRoundIndex(leads);
    const top = Math.max(...bands.bandOf.values());
    const round = new ScoreBandRound(index, rulesets, quiet);
    expect(await round.pass(new Date(NOW), 0)).toEqual({ read: 0, lowered: 0 });
    expect(stored()).toMatchObject({ startedAt: NOW, from: top, inPlace: 0 });
    expect(stored()?.finishedAt).toBeUndefined();
    const asked: (number | undefined)[] = [];
    const bandsFrom = (from?: number) => {
      asked.push(from);
      return index.bands(from);
    };
    const resumed = new ScoreBandRound({ ...index, bands: bandsFrom }, rulesets, quiet);
    const later = new Date(Date.parse(NOW) + 60_000);
    expect((await resumed.pass(later, FAR))?.lowered).toBeGreaterThan(0);
    expect(asked).toEqual([top]);
    expect(stored()).toMatchObject({ startedAt: NOW, finishedAt: later.toISOString() });
    expect(bands.lowered.every((leadId) => bands.bandOf.get(leadId) === bandOf(ceilingThen(leads.find((lead) => lead.id === leadId) as Lead)))).toBe(true);
  });

  it('leaves a lead the scorer wrote after the round read it', async () => {
    const leads = Array.from({ length: 90 }, (_, n) => scoredLead(n));
    const { bands, index } = memoryRoundIndex(leads);
    for (const lead of leads) bands.scoreVersions.set(lead.id, 2);
    const before = new Map(bands.bandOf);
    expect((await new ScoreBandRound(index, rulesets, quiet).pass(new Date(NOW), FAR))?.lowered).toBe(0);
    expect(bands.bandOf).toEqual(before);
  });
});

describe('the score band backfill', () => {
  it('files every scored lead without a band, page by page, once, and marks the bands filled at the end', async () => {
    const leads = Array.from({ length: 450 }, (_, n) => scoredLead(n));
    const filed = new Map<string, number>();
    let filledAt: string | undefined;
    const port: UnbandedLeadsPort = {
      async unbandedPage(limit: number, cursor: LeadCursor) {
        const start = Number(cursor.startKey?.gsi1sk ?? 0);
        const page = leads.slice(start, start + limit);
        const next = start + limit < leads.length ? { shard: 0, startKey: { pk: 'LEAD#x', sk: 'PROFILE', gsi1pk: 'LEADS#0', gsi1sk: String(start + limit) } } : undefined;
        return { leads: page.filter((lead) => !filed.has(lead.id)), scanned: page.length, ...(next ? { cursor: next } : {}) };
      },
      async fileUnder(leadId: string, _version: number, band: number) {
        if (filed.has(leadId)) return false;
        filed.set(leadId, band);
        return true;
      },
      async markFilled(at: string) {
        filledAt = at;
      },
    };
    const backfill = new ScoreBandBackfill(port, rulesets);
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = await backfill.page(cursor, NOW);
      expect(filledAt === undefined).toBe(page.nextCursor !== undefined);
      cursor = page.nextCursor;
      calls += 1;
    } while (cursor);
    expect(calls).toBe(3);
    expect(filledAt).toBe(NOW);
    for (const lead of leads) expect(filed.get(lead.id)).toBe(bandOf(scoreCeiling(lead.score as ScoreState, scoringView(lead), starterRuleset)));
    // Again: nothing more to file.
    expect((await backfill.page(undefined, NOW)).filed).toBe(0);
  });
});

describe('filing a lead anew after its profile changed (a CRM contact change)', () => {
  const intern = { ...scoredLead(1), role: 'Intern', industry: 'SaaS', teamSize: 120 } as Lead;
  const bandOver = (lead: Lead) => bandOf(scoreCeiling(lead.score as ScoreState, scoringView(lead), starterRuleset, new Date(Date.parse(NOW) - REPAIR_LAG_MS).toISOString()));

  /** One lead and the band its score is filed under, filed anew as the real index does (both versions checked); `refuse` turns a write away. */
  function memoryRefile(start: Lead, refuse: () => boolean = () => false) {
    const state = { lead: start, band: start.score ? bandOver(start) : undefined, writes: 0 };
    const port: BandRefilePort = {
      bandedLead: async (leadId) => (leadId === state.lead.id ? { lead: state.lead, ...(state.band === undefined ? {} : { band: state.band }) } : undefined),
      refile: async (leadId, leadVersion, scoreVersion, band) => {
        if (refuse() || leadId !== state.lead.id || state.lead.version !== leadVersion || state.lead.scoreVersion !== scoreVersion) return false;
        state.band = band;
        state.writes += 1;
        return true;
      },
    };
    return { state, refiling: new ScoreBandRefiling(port, rulesets) };
  }

  it('files the lead under the band of its score over the new profile, so no unread lead of the sorted list can pass it; a band already right is not written', async () => {
    const { state, refiling } = memoryRefile(intern);
    const promoted = { ...intern, role: 'VP Marketing', version: intern.version + 1 };
    state.lead = promoted;
    expect(bandOver(promoted)).toBeGreaterThan(bandOver(intern));

    await refiling.refile(promoted.id, NOW);

    expect(state.band).toBe(bandOver(promoted));
    expect(scoreAt(promoted.score as ScoreState, scoringView(promoted), starterRuleset, NOW).total).toBeLessThan(bandUpperBound(state.band as number));
    // Delivered again: the band is right, nothing is written.
    await refiling.refile(promoted.id, NOW);
    expect(state.writes).toBe(1);
  });

  it('gives up with LeadBusy when the lead changes under every attempt, writing nothing; a later attempt files it', async () => {
    let busy = true;
    const { state, refiling } = memoryRefile(intern, () => busy);
    state.lead = { ...intern, role: 'VP Marketing', version: intern.version + 1 };

    await expect(refiling.refile(intern.id, NOW)).rejects.toBeInstanceOf(LeadBusy);
    expect(state.band).toBe(bandOver(intern));
    busy = false;
    await refiling.refile(intern.id, NOW);
    expect(state.band).toBe(bandOver(state.lead));
  });

  it('leaves a lead never scored, or scored by a ruleset it cannot read, as it is', async () => {
    const { score: _score, scoreVersion: _version, ...unscored } = intern;
    const never = memoryRefile(unscored as Lead);
    await never.refiling.refile(intern.id, NOW);
    const unknown = memoryRefile({ ...intern, role: 'VP Marketing', score: { ...(intern.score as ScoreState), rulesetVersion: 'gone' } });
    await unknown.refiling.refile(intern.id, NOW);
    expect([never.state.writes, unknown.state.writes]).toEqual([0, 0]);
  });
});
