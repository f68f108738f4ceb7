import { describe, expect, it } from 'vitest';
import { findOwner, repsInTurn, RoutingConfig, teamFor, type RoutingTeam } from '../../src/domain/handoff/routing';
import type { Lead } from '../../src/domain/lead';

const rep = (id: string, capacity = 5) => ({ id, name: `Rep ${id}`, email: `${id}@example.com`, capacity });
const config = {
  teams: [
    { id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [rep('ana'), rep('budi'), rep('citra')] },
    { id: 'enterprise', name: 'Enterprise', inbox: 'ent@example.com', reps: [rep('dan')] },
    { id: 'inbound', name: 'Inbound', inbox: 'inbound@example.com', reps: [rep('eve')] },
  ],
  rules: [
    { description: 'Large companies', when: { lead: { teamSize: [{ numeric: ['>=', 500] }] } }, team: 'enterprise' },
    { description: 'Asia-Pacific', when: { lead: { country: ['ID', 'SG', 'AU'] } }, team: 'apac' },
    { when: { lead: { industry: [{ 'equals-ignore-case': 'saas' }] } }, team: 'apac' },
  ],
  defaultTeam: 'inbound',
};

const lead = (profile: Partial<Lead>): Lead => ({
  id: 'lead-1',
  email: 'jane@example.com',
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
  firstTouch: { at: '2026-11-01T00:00:00Z' },
  lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: {},
  version: 1,
  ...profile,
});

const issuesOf = (input: unknown) => {
  const result = RoutingConfig.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('routing configuration', () => {
  it('accepts a valid configuration', () => {
    expect(issuesOf(config)).toEqual([]);
  });

  it('refuses a rule or default naming a team that does not exist, at its path', () => {
    const issues = issuesOf({ ...config, rules: [{ when: { lead: { country: ['ID'] } }, team: 'emea' }], defaultTeam: 'nobody' });
    expect(issues).toEqual([expect.stringMatching(/^rules\.0\.team: no team emea/), expect.stringMatching(/^defaultTeam: no team nobody/)]);
  });

  it('refuses a rep id used twice, even across teams', () => {
    const teams = [config.teams[0], { ...config.teams[1], reps: [rep('ana')] }, config.teams[2]];
    expect(issuesOf({ ...config, teams })).toEqual([expect.stringMatching(/^teams\.1\.reps\.0\.id: duplicate rep id ana/)]);
  });

  it('refuses conditions that are malformed, look beyond the lead, or can never match', () => {
    const issues = issuesOf({
      ...config,
      rules: [
        { when: { lead: { country: [{ numeric: ['>', 'x'] }] } }, team: 'apac' },
        { when: { event: { type: ['page_view'] } }, team: 'apac' },
        { when: { lead: { countyr: ['ID'] } }, team: 'apac' },
      ],
    });
    expect(issues.some((issue) => issue.startsWith('rules.0.when'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('rules.1.when.event'))).toBe(true);
    expect(issues.some((issue) => issue.startsWith('rules.2.when.lead.countyr'))).toBe(true);
  });

  it('refuses bad rep fields: email, capacity', () => {
    const teams = [{ ...config.teams[0], reps: [{ ...rep('ana'), email: 'not-an-email', capacity: 0 }] }, config.teams[1], config.teams[2]];
    expect(issuesOf({ ...config, teams }).map((issue) => issue.split(':')[0])).toEqual(['teams.0.reps.0.email', 'teams.0.reps.0.capacity']);
  });
});

describe('which team a lead goes to', () => {
  const valid = RoutingConfig.parse(config);

  it('takes the first rule that matches, in order', () => {
    expect(teamFor(valid, lead({ country: 'ID', teamSize: 1200 })).id).toBe('enterprise');
    expect(teamFor(valid, lead({ country: 'ID', teamSize: 40 })).id).toBe('apac');
    expect(teamFor(valid, lead({ country: 'US', industry: 'SaaS' })).id).toBe('apac');
  });

  it('falls back to the default team when no rule matches', () => {
    expect(teamFor(valid, lead({ country: 'US', industry: 'Retail' })).id).toBe('inbound');
    expect(teamFor(valid, lead({})).id).toBe('inbound');
  });
});

describe('round-robin among reps under capacity', () => {
  const team = RoutingConfig.parse(config).teams[0] as RoutingTeam;
  const order = (turn: number, open: Record<string, number> = {}) => repsInTurn(team, turn, open).map((rep) => rep.id);

  it("offers the reps from the one whose turn it is, wrapping around", () => {
    expect(order(0)).toEqual(['ana', 'budi', 'citra']);
    expect(order(1)).toEqual(['budi', 'citra', 'ana']);
    expect(order(5)).toEqual(['citra', 'ana', 'budi']);
  });

  it('hands out leads one per rep in order, turn after turn', () => {
    const handedTo = Array.from({ length: 7 }, (_, turn) => repsInTurn(team, turn, {})[0]?.id ?? 'none');
    expect(handedTo).toEqual(['ana', 'budi', 'citra', 'ana', 'budi', 'citra', 'ana']);
  });

  it('skips reps at capacity: their turn goes to the next rep with room', () => {
    expect(order(0, { ana: 5 })).toEqual(['budi', 'citra']);
    expect(order(1, { budi: 5, citra: 7 })).toEqual(['ana']);
  });

  it('offers nobody when every rep is at capacity', () => {
    expect(repsInTurn(team, 3, { ana: 5, budi: 5, citra: 5 })).toEqual([]);
  });
});

describe("a lead's existing owner", () => {
  const valid = RoutingConfig.parse(config);

  it('is found by rep id, with its team', () => {
    expect(findOwner(valid, { repId: 'dan', teamId: 'enterprise' })).toMatchObject({ kind: 'owner', rep: { id: 'dan' }, team: { id: 'enterprise' }, kept: true });
  });

  it("goes to the team inbox when the rep has left the team's configuration", () => {
    expect(findOwner(valid, { repId: 'gone', teamId: 'apac' })).toMatchObject({ kind: 'team-inbox', team: { id: 'apac' }, reason: 'owner-not-in-team' });
    expect(findOwner(valid, { repId: 'gone', teamId: 'gone' })).toBeUndefined();
  });
});
