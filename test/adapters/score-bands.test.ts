import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { addressOnlyLead, createLeadWrites } from '../../src/adapters/lead-items';
import { LeadStore } from '../../src/adapters/lead-store';
import { ScoreBandIndex } from '../../src/adapters/score-bands';
import { ScoreStore } from '../../src/adapters/score-store';
import { transactWrite } from '../../src/adapters/transactions';
import { LeadsByScore, REPAIR_LAG_MS, ScoreBandBackfill } from '../../src/app/leads-by-score';
import { ScoreBandRound } from '../../src/app/score-band-round';
import { scoringView } from '../../src/domain/lead';
import { bandOf } from '../../src/domain/score-order';
import { apply, scoreAt, scoreCeiling, type ScoreState } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { dynamoDbLocal, measuredCalls, TABLE_NAME, unitsOf } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
}, 120_000);

const NOW = '2026-11-30T12:00:00.000Z';
const DAY = 86_400_000;
const rulesets = { get: async (version: string) => (version === starterRuleset.version ? { ruleset: starterRuleset } : undefined) };

/** A lead with a few page views `daysAgo` before NOW, scored and filed under its band by the score store. */
async function scoredLead(n: number, scores: ScoreStore) {
  const lead = { ...addressOnlyLead(`person-${n}@example.com`, { at: '2026-08-01T00:00:00.000Z' }), role: n % 2 ? 'VP Sales' : 'Intern', industry: 'SaaS', teamSize: 50 };
  await transactWrite(table.documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
  let state: ScoreState | undefined;
  for (let index = 0; index <= n % 4; index += 1) {
    const event = { id: `evt-${n}-${index}`, type: 'page_view', occurredAt: new Date(Date.parse(NOW) - ((n * 11) % 80) * DAY - index * 60_000).toISOString(), properties: { url: `https://example.com/${index % 2 ? 'pricing' : 'demo'}` } };
    state = apply(state, { event, lead: scoringView(lead) }, starterRuleset).state;
  }
  const score = state as ScoreState;
  await scores.applyScores(lead.id, 0, score, bandOf(scoreCeiling(score, scoringView(lead), starterRuleset)), { through: '', recent: [] });
  return { ...lead, score };
}

describe('the score band index on DynamoDB Local', () => {
  it('lists leads by current score across the band partitions, page by page, and the backfill files leads scored before the index', async () => {
    const scores = new ScoreStore(table.documents, TABLE_NAME);
    const leads = await Promise.all(Array.from({ length: 24 }, (_, n) => scoredLead(n, scores)));
    // Two leads scored before the index existed: a score item with no band.
    for (const lead of leads.slice(0, 2)) {
      await table.documents.send(new UpdateCommand({ TableName: TABLE_NAME, Key: keys.score(lead.id), UpdateExpression: 'REMOVE bp, bs' }));
    }
    const index = new ScoreBandIndex(table.documents, TABLE_NAME);
    const store = new LeadStore(table.documents, TABLE_NAME);
    const list = new LeadsByScore(
      {
        bands: () => index.bands(),
        getLeads: (ids) => store.getLeads(ids),
        filled: () => index.filled(),
        lowerBand: (leadId, scoreVersion, seenBand, band) => index.lowerBand(leadId, scoreVersion, seenBand, band),
      },
      rulesets,
    );
    const expected = (of: typeof leads) =>
      of
        .map((lead) => ({ id: lead.id, total: Math.round(scoreAt(lead.score, scoringView(lead), starterRuleset, NOW).total * 100) / 100 }))
        .sort((a, b) => b.total - a.total || a.id.localeCompare(b.id));
    const everyPage = async () => {
      const seen: { id: string; total: number }[] = [];
      let approximate = false;
      let cursor: string | undefined;
      do {
        const page = await list.page({}, 9, cursor, NOW);
        seen.push(...page.items.map((item) => ({ id: item.id, total: item.score?.total ?? Number.NaN })));
        approximate ||= page.approximate;
        cursor = page.nextCursor;
      } while (cursor);
      return { seen, approximate };
    };
    expect(new Set(leads.map((lead) => lead.id.charAt(0))).size).toBeGreaterThan(6);
    expect(await everyPage()).toEqual({ seen: expected(leads.slice(2)), approximate: true });

    const backfill = new ScoreBandBackfill(index, rulesets);
    expect(await backfill.page(undefined, NOW)).toEqual({ scanned: 24, filed: 2 });
    expect(await backfill.page(undefined, NOW)).toEqual({ scanned: 24, filed: 0 });
    expect(await everyPage()).toEqual({ seen: expected(leads), approximate: false });
  }, 60_000);

  it('writes the band index only when a score write moves the lead to another band', async () => {
    const documents = (await dynamoDbLocal()).documents;
    const calls = measuredCalls(documents);
    const scores = new ScoreStore(documents, TABLE_NAME);
    const lead = addressOnlyLead('jane@example.com', { at: '2026-11-01T00:00:00.000Z' });
    await transactWrite(documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    let state: ScoreState | undefined;
    const indexWrites: number[] = [];
    const bands: number[] = [];
    for (let n = 0; n < 6; n += 1) {
      const event = { id: `evt-${n}`, type: 'page_view', occurredAt: new Date(Date.parse('2026-11-02T00:00:00.000Z') + n * 60_000).toISOString(), properties: { url: `https://example.com/${n < 3 ? 'features/a' : 'pricing'}` } };
      state = apply(state, { event, lead: scoringView(lead) }, starterRuleset).state;
      const band = bandOf(scoreCeiling(state, scoringView(lead), starterRuleset));
      calls.length = 0;
      expect(await scores.applyScores(lead.id, n, state, band, { through: '', recent: [] })).toBe('applied');
      indexWrites.push(unitsOf(calls.flatMap((call) => call.entries), 'writeUnits', `${TABLE_NAME}/bands`));
      bands.push(band);
    }
    // Feature pages add 3 points (band 0 three times), pricing 10 each (bands 1, 2, 3): the first write puts the entry, each band change deletes and puts one.
    expect(bands).toEqual([0, 0, 0, 1, 2, 3]);
    expect(indexWrites).toEqual([1, 0, 0, 2, 2, 2]);
  }, 60_000);

  it('lowers a stale band while the score is as the list read it, and leaves a band the scorer wrote since', async () => {
    const documents = (await dynamoDbLocal()).documents;
    const calls = measuredCalls(documents);
    const scores = new ScoreStore(documents, TABLE_NAME);
    const index = new ScoreBandIndex(documents, TABLE_NAME);
    const lead = addressOnlyLead('jane@example.com', { at: '2026-06-01T00:00:00.000Z' });
    await transactWrite(documents, TABLE_NAME, createLeadWrites(TABLE_NAME, lead));
    const pricing = (n: number, at: string) => ({ id: `evt-${n}`, type: 'page_view', occurredAt: at, properties: { url: 'https://example.com/pricing' } });
    let state: ScoreState | undefined;
    for (let n = 0; n < 3; n += 1) state = apply(state, { event: pricing(n, `2026-06-02T00:0${n}:00.000Z`), lead: scoringView(lead) }, starterRuleset).state;
    const stored = bandOf(scoreCeiling(state as ScoreState, scoringView(lead), starterRuleset));
    expect(await scores.applyScores(lead.id, 0, state as ScoreState, stored, { through: '', recent: [] })).toBe('applied');
    const lower = bandOf(scoreCeiling(state as ScoreState, scoringView(lead), starterRuleset, NOW));
    expect(lower).toBeLessThan(stored);
    const bandsNow = async () => {
      const listed: { band: number; leadIds: readonly string[] }[] = [];
      for await (const chunk of index.bands()) listed.push(chunk);
      return listed;
    };

    // Filed under another band than the one the list saw, or at another version: nothing changes.
    expect(await index.lowerBand(lead.id, 1, stored + 1, lower)).toBe(false);
    expect(await index.lowerBand(lead.id, 2, stored, lower)).toBe(false);
    expect(await bandsNow()).toEqual([{ band: stored, leadIds: [lead.id] }]);

    calls.length = 0;
    expect(await index.lowerBand(lead.id, 1, stored, lower)).toBe(true);
    const lowering = calls.flatMap((call) => call.entries);
    expect(await bandsNow()).toEqual([{ band: lower, leadIds: [lead.id] }]);
    // One write of the score item (1 KB or less here), and the index entry moved: a delete and a put.
    expect(unitsOf(lowering, 'writeUnits', TABLE_NAME)).toBe(1);
    expect(unitsOf(lowering, 'writeUnits', `${TABLE_NAME}/bands`)).toBe(2);

    // The scorer writes (version 1 to 2, a new band): the repair left the version alone, so this write is not refused;
    // a repair computed from version 1 loses the race and changes nothing.
    state = apply(state, { event: pricing(9, '2026-11-29T00:00:00.000Z'), lead: scoringView(lead) }, starterRuleset).state;
    const rescored = bandOf(scoreCeiling(state, scoringView(lead), starterRuleset));
    expect(await scores.applyScores(lead.id, 1, state, rescored, { through: '', recent: [] })).toBe('applied');
    expect(await index.lowerBand(lead.id, 1, lower, lower - 1)).toBe(false);
    expect(await index.lowerBand(lead.id, 1, rescored, lower)).toBe(false);
    expect(await bandsNow()).toEqual([{ band: rescored, leadIds: [lead.id] }]);
  }, 60_000);

  it('lowers the stale leads of the band round at 2 read units a lead read (profile and score, strongly consistent) and 3 write units a lead lowered', async () => {
    const documents = (await dynamoDbLocal()).documents;
    const scores = new ScoreStore(documents, TABLE_NAME);
    const leads = await Promise.all(Array.from({ length: 30 }, (_, n) => scoredLead(n, scores)));
    const calls = measuredCalls(documents);
    const index = new ScoreBandIndex(documents, TABLE_NAME);
    const store = new LeadStore(documents, TABLE_NAME);
    const round = new ScoreBandRound(
      { bands: (from) => index.bands(from), getLeads: (ids) => store.getLeads(ids), lowerBand: (...args) => index.lowerBand(...args), round: () => index.round(), saveRound: (next, rev) => index.saveRound(next, rev) },
      rulesets,
      { debug() {}, info() {}, warn() {}, error() {} },
    );
    const outcome = await round.pass(new Date(NOW), Date.now() + 30_000);
    const ceilingThen = (lead: (typeof leads)[number]) => bandOf(scoreCeiling(lead.score, scoringView(lead), starterRuleset, new Date(Date.parse(NOW) - REPAIR_LAG_MS).toISOString()));
    const stale = leads.filter((lead) => ceilingThen(lead) < bandOf(scoreCeiling(lead.score, scoringView(lead), starterRuleset)));
    expect(stale.length).toBeGreaterThan(5);
    expect(outcome).toEqual({ read: 30, lowered: stale.length });
    const units = (command: string, target: string, kind: 'readUnits' | 'writeUnits') =>
      unitsOf(calls.filter((call) => call.command === command).flatMap((call) => call.entries), kind, target);
    expect(units('BatchGetItemCommand', TABLE_NAME, 'readUnits')).toBe(2 * 30);
    expect(units('UpdateItemCommand', TABLE_NAME, 'writeUnits')).toBe(stale.length);
    expect(units('UpdateItemCommand', `${TABLE_NAME}/bands`, 'writeUnits')).toBe(2 * stale.length);
    // The index entries are keys only: one query of each of the 16 partitions reads them all.
    expect(units('QueryCommand', `${TABLE_NAME}/bands`, 'readUnits')).toBeLessThanOrEqual(16 * 0.5 + 1);
    const listed: { band: number; leadIds: readonly string[] }[] = [];
    for await (const chunk of index.bands()) listed.push(chunk);
    for (const lead of stale) expect(listed.find((chunk) => chunk.leadIds.includes(lead.id))?.band).toBe(ceilingThen(lead));
    expect(await index.round()).toMatchObject({ startedAt: NOW, finishedAt: NOW, lowered: stale.length });
  }, 60_000);

  it('files a lead anew only while its profile and its score are at the versions read', async () => {
    const documents = (await dynamoDbLocal()).documents;
    const scores = new ScoreStore(documents, TABLE_NAME);
    const index = new ScoreBandIndex(documents, TABLE_NAME);
    const lead = await scoredLead(3, scores);
    const read = await index.bandedLead(lead.id);
    const filed = bandOf(scoreCeiling(lead.score, scoringView(lead), starterRuleset));
    expect(read).toMatchObject({ lead: { id: lead.id, version: lead.version, scoreVersion: 1 }, band: filed });
    expect(await index.refile(lead.id, lead.version + 1, 1, filed + 3)).toBe(false);
    expect(await index.refile(lead.id, lead.version, 2, filed + 3)).toBe(false);
    expect((await index.bandedLead(lead.id))?.band).toBe(filed);
    expect(await index.refile(lead.id, lead.version, 1, filed + 3)).toBe(true);
    expect((await index.bandedLead(lead.id))?.band).toBe(filed + 3);
    // The score's version is left as it was: the scorer's next write is not refused.
    expect(await scores.applyScores(lead.id, 1, lead.score, filed, { through: '', recent: [] })).toBe('applied');
    expect(await index.bandedLead(lead.id)).toMatchObject({ lead: { scoreVersion: 2 }, band: filed });
  }, 60_000);
});
