import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { eventually, now, runCli, settled, stackClient } from './helpers';

/**
 * Rulesets as data on the local stack, driven through the CLI as a marketer would: validate, diff,
 * back-test and activate a draft, then watch every lead rescore without a second alert.
 */
let stack: LocalStack;
let dir: string;
const { post, admin, getLead, mails } = stackClient(() => stack);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  stack = await startLocalStack(await onRunDynamoDb({ visibilityTimeoutSeconds: 1, log: () => {} }));
  dir = await mkdtemp(join(tmpdir(), 'leadflow-rulesets-'));
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(stack, dir, ...argv);

async function lead(name: string, profile: Record<string, unknown>, eventTypes: [string, Record<string, unknown>][]) {
  const email = `${name.toLowerCase()}-${randomUUID()}@example.com`;
  const submitted = await post('/v1/forms/demo/submissions', { email, firstName: name, company: `${name} Inc`, ...profile });
  const body = (await submitted.json()) as { leadId: string };
  expect(submitted.status, JSON.stringify(body)).toBe(202);
  const { leadId } = body;
  const events = eventTypes.map(([type, properties]) => ({ id: `evt-${randomUUID()}`, type, occurredAt: now(), email, properties }));
  expect((await post('/v1/events', { events })).status).toBe(202);
  // The form submission is an event too.
  await eventually(async () => ((await getLead(leadId)).score?.eventCount === events.length + 1 ? true : undefined));
  return leadId;
}

const alertsFor = async (name: string) => (await mails()).filter((mail) => mail.subject.startsWith(`MQL: ${name} `));

describe('rulesets as versioned data on the local stack', () => {
  it('validates, diffs, back-tests and activates a draft; every lead rescores and only new MQLs are alerted', async () => {
    // Under the starter ruleset Ada qualifies (fit 65 + 40) and Bo does not (fit 50 + 35).
    const ada = await lead('Ada', { role: 'CEO', industry: 'SaaS', teamSize: 120, budget: 50_000, country: 'ID' }, [
      ['page_view', { url: 'https://example.com/demo' }],
      ['webinar_registration', { webinarId: 'scoring-101' }],
    ]);
    const bo = await lead('Bo', { role: 'VP Sales', industry: 'SaaS', teamSize: 120, country: 'ID' }, [
      ['webinar_registration', { webinarId: 'scoring-101' }],
      ['page_view', { url: 'https://example.com/pricing' }],
    ]);
    await eventually(async () => ((await alertsFor('Ada')).length === 1 ? true : undefined));
    expect((await getLead(bo)).score).toMatchObject({ qualified: false, rulesetVersion: 'starter-1' });

    const draft: Ruleset = { ...starterRuleset, version: `lower-bar-${randomUUID().slice(0, 8)}`, mql: { minScore: 80, minGrade: 'B', recycleBelowScore: 60 } };
    const file = join(dir, 'lower-bar.yaml');
    await writeFile(file, stringify(draft));

    expect(await cli('rules', 'validate', file)).toMatchObject({ code: 0 });
    const diff = await cli('rules', 'diff', file);
    expect(diff.out).toContain('~ mql.minScore: 100 -> 80');

    const backtest = await cli('rules', 'backtest', file, '--from', new Date(Date.now() - 3_600_000).toISOString(), '--to', new Date(Date.now() + 60_000).toISOString(), '--json');
    expect(backtest.err).toBe('');
    const report = JSON.parse(backtest.out) as { draft: { mqls: number }; active: { mqls: number }; newlyQualified: { leads: number; leadIds: string[] }; droppedOut: { leads: number } };
    expect(report.active.mqls).toBe(1);
    expect(report.draft.mqls).toBe(2);
    expect(report.newlyQualified).toEqual({ leads: 1, leadIds: [bo] });
    expect(report.droppedOut.leads).toBe(0);

    const activated = await cli('rules', 'activate', file);
    expect(activated.err).toBe('');
    expect(activated.out).toMatch(/rescored (\d+) \/ \1$/m);

    const rescoredBo = await eventually(async () => {
      const current = await getLead(bo);
      return current.score?.qualified ? current : undefined;
    });
    expect(rescoredBo.score).toMatchObject({ rulesetVersion: draft.version, qualifications: 1 });
    expect((await getLead(ada)).score).toMatchObject({ rulesetVersion: draft.version, qualified: true, qualifications: 1 });
    await eventually(async () => ((await alertsFor('Bo')).length === 1 ? true : undefined));
    // Everything a second alert for Ada could come from (the rescoring included) has been handled before counting.
    await settled(stack);
    expect(await alertsFor('Ada')).toHaveLength(1);
    expect(await alertsFor('Bo')).toHaveLength(1);

    const listing = (await (await admin('GET', '/v1/admin/rulesets')).json()) as { active: string; items: { version: string; status: string }[] };
    expect(listing.active).toBe(draft.version);
    expect(listing.items).toEqual(expect.arrayContaining([expect.objectContaining({ version: 'starter-1', status: 'retired' }), expect.objectContaining({ version: draft.version, status: 'active' })]));

    // New engagement after the activation is scored under the new ruleset straight away.
    const later = await lead('Cy', { role: 'Intern', country: 'BR' }, [['page_view', { url: 'https://example.com/pricing' }]]);
    expect((await getLead(later)).score?.rulesetVersion).toBe(draft.version);

    // A second activation retires the first.
    const next = `${draft.version}-b`;
    expect((await admin('PUT', `/v1/admin/rulesets/${next}`, { ...draft, version: next })).status).toBe(200);
    expect((await admin('POST', `/v1/admin/rulesets/${next}/backtest`, {})).status).toBe(200);
    expect((await admin('POST', `/v1/admin/rulesets/${next}/activate`)).status).toBe(202);
    const after = (await (await admin('GET', '/v1/admin/rulesets')).json()) as { active: string; items: { version: string; status: string }[] };
    expect(after.active).toBe(next);
    expect(after.items.find((ruleset) => ruleset.version === draft.version)?.status).toBe('retired');
  });

  it('refuses an invalid draft with the field at fault, rewriting an active version, and activation without a back-test', async () => {
    const invalid = await admin('PUT', '/v1/admin/rulesets/broken-1', { ...starterRuleset, version: 'broken-1', halfLifeDays: -1 });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ issues: [{ field: 'halfLifeDays' }] });
    expect((await admin('GET', '/v1/admin/rulesets/broken-1')).status).toBe(404);

    expect((await admin('PUT', '/v1/admin/rulesets/starter-1', starterRuleset)).status).toBe(409);

    const untested = `untested-${randomUUID().slice(0, 8)}`;
    expect((await admin('PUT', `/v1/admin/rulesets/${untested}`, { ...starterRuleset, version: untested })).status).toBe(200);
    const refused = await admin('POST', `/v1/admin/rulesets/${untested}/activate`);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toMatch(/back-test/);
  });
});
