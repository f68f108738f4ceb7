import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { progressBar } from '../../cli/commands/campaigns';
import { main, type CliIo } from '../../cli/leadflow';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leadflow-cli-'));
  await writeFile(join(dir, 'good.yaml'), stringify({ ...starterRuleset, version: 'good-1' }));
  await writeFile(join(dir, 'good.json'), JSON.stringify({ ...starterRuleset, version: 'good-2', halfLifeDays: 14 }));
  await writeFile(join(dir, 'bad.yaml'), stringify({ ...starterRuleset, version: 'bad-1', rules: [{ id: 'typo', description: 'x', score: 'fit', points: 0, when: { lead: { rol: ['CEO'] } } }] }));
  await writeFile(join(dir, 'broken.yaml'), 'version: [unclosed');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

function io(overrides: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env: {}, cwd: dir, ...overrides } satisfies CliIo };
}

/** A fetch that notes each URL it is asked for and answers 200 with `body`. */
const recordingUrls = (seen: string[], body: unknown = {}) =>
  (async (url: Parameters<typeof fetch>[0]) => {
    seen.push(String(url));
    return new Response(JSON.stringify(body), { status: 200 });
  }) as typeof fetch;

describe('leadflow commands and their help', () => {
  it('prints the help of a command, with its own options, and exits 0', async () => {
    const run = io();
    expect(await main(['rules', 'backtest', '--help'], run.io)).toBe(0);
    const help = run.out.join('\n');
    expect(help).toContain('Usage: leadflow rules backtest [options] <file>');
    expect(help).toMatch(/--from <time>/);
    expect(help).not.toMatch(/--subject/);
  });

  it('prints the groups for --help, and the help of a group named without a command with exit code 1', async () => {
    const all = io();
    expect(await main(['--help'], all.io)).toBe(0);
    expect(all.out.join('\n')).toMatch(/rules <command>[\s\S]*dlq <command>/);
    const group = io();
    expect(await main(['campaigns'], group.io)).toBe(1);
    expect(group.out.join('\n')).toMatch(/schedule \[options\] <campaignId>/);
    expect(group.err).toEqual([]);
  });

  it("refuses a flag the command does not take, naming it, before calling anything", async () => {
    const seen: string[] = [];
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: recordingUrls(seen) });
    expect(await main(['rules', 'list', '--json'], run.io)).toBe(1);
    expect(run.err[0]).toBe("error: unknown option '--json'");
    expect(seen).toEqual([]);
  });

  it('refuses an unknown command with the commands of its group, and a missing argument by its name', async () => {
    const unknown = io();
    expect(await main(['rules', 'publish'], unknown.io)).toBe(1);
    expect(unknown.err).toEqual(['unknown command rules publish: validate <file...>, diff <file>, backtest <file>, activate <file|version>, list or show [version]']);
    // A word too many is refused, not dropped: two leads named to enrol would have enrolled the first only.
    const extra = io();
    expect(await main(['journeys', 'enrol', 'journey-1', 'lead-1', 'lead-2'], extra.io)).toBe(1);
    expect(extra.err[0]).toBe("error: too many arguments for 'enrol'. Expected 2 arguments but got 3.");
    const missing = io();
    expect(await main(['campaigns', 'send'], missing.io)).toBe(1);
    expect(missing.err[0]).toBe("error: missing required argument 'campaignId'");
    // With the arguments the mistaken command was given, it is still named as unknown.
    const withArguments = io();
    expect(await main(['rules', 'check', 'rules.yaml', 'more.yaml'], withArguments.io)).toBe(1);
    expect(withArguments.err).toEqual(['unknown command rules check: validate <file...>, diff <file>, backtest <file>, activate <file|version>, list or show [version]']);
  });

  it('refuses an API address that is not an http or https URL, naming where it came from, before calling anything; an empty LEADFLOW_API_URL counts as unset', async () => {
    const seen: string[] = [];
    const recording = recordingUrls(seen, { active: 'starter-1', items: [] });
    const flag = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: recording });
    expect(await main(['--api', 'localhost:3000', 'rules', 'list'], flag.io)).toBe(1);
    expect(flag.err).toEqual(['--api must be the API\'s http or https address, such as http://localhost:3000, not "localhost:3000"']);
    const variable = io({ env: { LEADFLOW_DEV_TOKEN: 't', LEADFLOW_API_URL: 'file:///etc/passwd' }, fetch: recording });
    expect(await main(['rules', 'list'], variable.io)).toBe(1);
    expect(variable.err).toEqual(['LEADFLOW_API_URL must be the API\'s http or https address, such as http://localhost:3000, not "file:///etc/passwd"']);
    expect(seen).toEqual([]);
    const empty = io({ env: { LEADFLOW_DEV_TOKEN: 't', LEADFLOW_API_URL: '' }, fetch: recording });
    expect(await main(['rules', 'list'], empty.io)).toBe(0);
    expect(seen).toEqual(['http://localhost:3000/v1/admin/rulesets']);
  });

  it('says a refused development token is refused, naming where it was read, and refuses one no header can carry without quoting it', async () => {
    const answering = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;
    const refused = io({ env: { LEADFLOW_DEV_TOKEN: 'from-another-start-0123' }, fetch: answering(403, { message: 'Forbidden' }) });
    expect(await main(['rules', 'list'], refused.io)).toBe(1);
    expect(refused.err).toEqual([
      `The API at http://localhost:3000 refused the development token from LEADFLOW_DEV_TOKEN: was that leadflow started in ${dir}? \`npm start\` prints its token and keeps it in its folder's .leadflow/dev-token (unless LEADFLOW_DEV_TOKEN gave it one).`,
    ]);
    // A refusal by the route itself keeps its own message.
    const denied = io({ env: { LEADFLOW_DEV_TOKEN: 'from-this-start-0123' }, fetch: answering(403, { message: 'Only admin may call this route' }) });
    expect(await main(['rules', 'list'], denied.io)).toBe(1);
    expect(denied.err).toEqual(['Listing rulesets failed (403): Only admin may call this route']);

    const seen: string[] = [];
    const broken = io({ env: { LEADFLOW_DEV_TOKEN: 'secret-part\nother-part' }, fetch: recordingUrls(seen) });
    expect(await main(['rules', 'list'], broken.io)).toBe(1);
    expect(broken.err).toEqual(['The development token in LEADFLOW_DEV_TOKEN is not one: letters, digits and punctuation, no spaces or line breaks']);
    expect(seen).toEqual([]);
  });

  it('says an API it cannot reach cannot be reached, naming the address and what to check', async () => {
    const unreachable = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { code: 'ECONNREFUSED' }) });
    }) as typeof fetch;
    const local = io({ env: { LEADFLOW_DEV_TOKEN: 'from-this-start-0123' }, fetch: unreachable });
    expect(await main(['rules', 'list'], local.io)).toBe(1);
    expect(local.err).toEqual(['Cannot reach the API at http://localhost:3000 (ECONNREFUSED): is `npm start` running? Name another with --api or LEADFLOW_API_URL.']);
    const deployed = io({ env: { LEADFLOW_DEV_TOKEN: 'from-this-start-0123' }, fetch: unreachable });
    expect(await main(['--api', 'https://api.example.com', 'rules', 'list'], deployed.io)).toBe(1);
    expect(deployed.err).toEqual(['Cannot reach the API at https://api.example.com (ECONNREFUSED): is the address right? Name another with --api or LEADFLOW_API_URL.']);
  });

  it('sends to the API named by --api, wherever the flag is', async () => {
    const seen: string[] = [];
    const recording = recordingUrls(seen, { active: 'starter-1', items: [] });
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't', LEADFLOW_API_URL: 'http://127.0.0.1:1' }, fetch: recording });
    expect(await main(['--api', 'http://127.0.0.1:4000', 'rules', 'list'], run.io)).toBe(0);
    expect(await main(['rules', 'list', '--api', 'http://127.0.0.1:4001'], run.io)).toBe(0);
    expect(seen).toEqual(['http://127.0.0.1:4000/v1/admin/rulesets', 'http://127.0.0.1:4001/v1/admin/rulesets']);
  });
});

describe('leadflow rules validate', () => {
  it('accepts valid JSON and YAML files', async () => {
    const run = io();
    expect(await main(['rules', 'validate', join(dir, 'good.yaml'), join(dir, 'good.json')], run.io)).toBe(0);
    expect(run.out).toEqual([expect.stringContaining('good-1, 20 rules'), expect.stringContaining('good-2, 20 rules')]);
  });

  it('refuses a file with every problem at its rule id and field, exit code 1', async () => {
    const run = io();
    expect(await main(['rules', 'validate', join(dir, 'bad.yaml')], run.io)).toBe(1);
    const report = run.err.join('\n');
    expect(report).toContain('rules[typo].points');
    expect(report).toContain('rules[typo].when.lead.rol: unknown field `rol`');
  });

  it('says which file is not valid YAML', async () => {
    const run = io();
    expect(await main(['rules', 'validate', join(dir, 'broken.yaml')], run.io)).toBe(1);
    expect(run.err.join('\n')).toMatch(/broken\.yaml: not valid YAML/);
  });
});

describe('leadflow rules diff', () => {
  it('compares two files offline', async () => {
    const run = io();
    expect(await main(['rules', 'diff', join(dir, 'good.json'), '--against', join(dir, 'good.yaml')], run.io)).toBe(0);
    expect(run.out.join('\n')).toContain('~ halfLifeDays: 30 -> 14');
  });
});

describe('admin API authentication', () => {
  const recordingFetch = (seen: { url: string; headers: Record<string, string> }[]) =>
    (async (url: Parameters<typeof fetch>[0], init?: RequestInit) => {
      seen.push({ url: String(url), headers: init?.headers as Record<string, string> });
      return new Response(JSON.stringify({ active: 'starter-1', items: [] }), { status: 200 });
    }) as typeof fetch;

  it('signs requests to AWS with SigV4 for execute-api in the API region', async () => {
    const seen: { url: string; headers: Record<string, string> }[] = [];
    // The AWS credential chain reads the process environment, as it does for the AWS CLI.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    const run = io({ env: { LEADFLOW_API_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com' }, fetch: recordingFetch(seen) });
    const code = await main(['rules', 'list'], run.io);
    vi.unstubAllEnvs();
    expect(run.err).toEqual([]);
    expect(code).toBe(0);
    expect(seen[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host/);
    expect(seen[0]?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('uses the development token npm start wrote when the API is local', async () => {
    await mkdir(join(dir, '.leadflow'), { recursive: true });
    await writeFile(join(dir, '.leadflow', 'dev-token'), 'local-token\n');
    const seen: { url: string; headers: Record<string, string> }[] = [];
    const run = io({ fetch: recordingFetch(seen) });
    expect(await main(['rules', 'list'], run.io)).toBe(0);
    expect(seen[0]?.url).toBe('http://localhost:3000/v1/admin/rulesets');
    expect(seen[0]?.headers.authorization).toBe('Bearer local-token');
  });

  it('shows the API error with the fields at fault', async () => {
    const failing = (async () => new Response(JSON.stringify({ message: 'Invalid ruleset', issues: [{ field: 'rules[x].points', message: 'must not be 0' }] }), { status: 400 })) as typeof fetch;
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: failing });
    expect(await main(['rules', 'backtest', join(dir, 'good.yaml')], run.io)).toBe(1);
    expect(run.err.join('\n')).toContain('Saving draft good-1 failed (400): Invalid ruleset\n  rules[x].points: must not be 0');
  });
});

describe('campaign progress bar', () => {
  it('fills with what is sent or skipped and marks totals still being planned', () => {
    expect(progressBar(5, 10, true, 10)).toBe('[#####-----]      5 / 10 sent or skipped');
    expect(progressBar(0, 0, false, 10)).toBe('[----------]      0 / 0+ sent or skipped');
    expect(progressBar(0, 0, true, 4)).toBe('[####]      0 / 0 sent or skipped');
  });
});

describe('leadflow campaigns schedule | unschedule', () => {
  const campaignId = '3f1c2a9e-5b7d-4c8e-9f10-1a2b3c4d5e6f';
  const answering = (seen: { url: string; method?: string; body?: unknown }[], status: number, body: unknown) =>
    (async (url: Parameters<typeof fetch>[0], init?: RequestInit) => {
      seen.push({ url: String(url), method: init?.method, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(JSON.stringify(body), { status });
    }) as typeof fetch;

  it('schedules at a local time in a zone and prints the time in the zone and in UTC', async () => {
    const seen: { url: string; method?: string; body?: unknown }[] = [];
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: answering(seen, 200, { campaignId, status: 'scheduled', schedule: { sendAt: '2026-12-01T09:00:00', timeZone: 'Asia/Jakarta', sendsAtUtc: '2026-12-01T02:00:00.000Z' } }) });
    expect(await main(['campaigns', 'schedule', campaignId, '--at', '2026-12-01T09:00', '--tz', 'Asia/Jakarta'], run.io)).toBe(0);
    expect(seen).toEqual([{ url: `http://localhost:3000/v1/admin/campaigns/${campaignId}/schedule`, method: 'POST', body: { sendAt: '2026-12-01T09:00', timeZone: 'Asia/Jakarta' } }]);
    expect(run.out).toEqual([`campaign ${campaignId} is scheduled for 2026-12-01T09:00:00 Asia/Jakarta (2026-12-01T02:00:00.000Z UTC)`]);
  });

  it('needs both --at and --tz, and calls nothing without them', async () => {
    const seen: { url: string }[] = [];
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: answering(seen, 200, {}) });
    expect(await main(['campaigns', 'schedule', campaignId, '--at', '2026-12-01T09:00'], run.io)).toBe(1);
    expect(run.err.join('\n')).toMatch(/needs --at .* and --tz/);
    expect(seen).toEqual([]);
  });

  it("shows the API's refusal with the field at fault (a time the clocks skip)", async () => {
    const refusal = { message: 'Invalid request: sendAt 2027-03-14T02:30:00 does not exist in America/New_York', issues: [{ field: 'sendAt', message: '2027-03-14T02:30:00 does not exist in America/New_York' }] };
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: answering([], 400, refusal) });
    expect(await main(['campaigns', 'schedule', campaignId, '--at', '2027-03-14T02:30', '--tz', 'America/New_York'], run.io)).toBe(1);
    expect(run.err.join('\n')).toContain(`Scheduling campaign ${campaignId} failed (400)`);
    expect(run.err.join('\n')).toContain('  sendAt: 2027-03-14T02:30:00 does not exist in America/New_York');
  });

  it('unschedules a campaign back to draft', async () => {
    const seen: { url: string; method?: string }[] = [];
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: answering(seen, 200, { campaignId, status: 'draft' }) });
    expect(await main(['campaigns', 'unschedule', campaignId], run.io)).toBe(0);
    expect(seen[0]).toMatchObject({ url: `http://localhost:3000/v1/admin/campaigns/${campaignId}/unschedule`, method: 'POST' });
    expect(run.out).toEqual([`campaign ${campaignId} is draft; its schedule is deleted`]);
  });
});

describe('leadflow purchases import', () => {
  const header = 'orderId,email,product,amount,currency,purchasedAt,paymentMethod';
  const rows = (count: number) => Array.from({ length: count }, (_, index) => `ord-${index},buyer${index}@example.com,"Pro plan, yearly",${index + 0.5},usd,2026-11-0${(index % 9) + 1}T10:00:00Z,card`);

  /** record-purchases' answer: the counts by status, then one result per item. */
  const purchasesRecorded = (purchases: { orderId: string; status: string }[]) => {
    const count = (...statuses: string[]) => purchases.filter((purchase) => statuses.includes(purchase.status)).length;
    return { recorded: count('recorded'), duplicates: count('duplicate'), refused: count('unknown_lead', 'currency_mismatch'), purchases };
  };

  /** An API stand-in: records each batch and answers as record-purchases does, with the statuses given per order id. */
  const purchasesApi = (batches: { purchases: Record<string, unknown>[] }[], statusOf: (orderId: string) => string = () => 'recorded', firstStatuses: number[] = []) =>
    (async (_url: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const status = firstStatuses.shift();
      if (status) return new Response(JSON.stringify({ message: 'slow down' }), { status });
      const batch = JSON.parse(String(init?.body)) as { purchases: { orderId: string }[] };
      batches.push(batch);
      const purchases = batch.purchases.map(({ orderId }) => ({ orderId, status: statusOf(orderId), ...(statusOf(orderId) === 'currency_mismatch' ? { message: "The lead's purchases are in EUR" } : {}) }));
      return new Response(JSON.stringify(purchasesRecorded(purchases)), { status: 200 });
    }) as typeof fetch;

  it('sends a CSV 100 purchases at a time, typed, and prints the per-item summary', async () => {
    await writeFile(join(dir, 'purchases.csv'), [header, ...rows(150)].join('\r\n') + '\r\n');
    const batches: { purchases: Record<string, unknown>[] }[] = [];
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: purchasesApi(batches, (orderId) => (orderId === 'ord-7' ? 'duplicate' : 'recorded')) });
    expect(await main(['purchases', 'import', join(dir, 'purchases.csv')], run.io)).toBe(0);
    expect(batches.map((batch) => batch.purchases.length)).toEqual([100, 50]);
    expect(batches[0]?.purchases[1]).toEqual({ orderId: 'ord-1', email: 'buyer1@example.com', product: 'Pro plan, yearly', amount: 1.5, currency: 'usd', purchasedAt: '2026-11-02T10:00:00Z', paymentMethod: 'card' });
    expect(run.out).toEqual(['sent 100 / 150', 'sent 150 / 150', 'recorded 149, duplicate 1 (150 purchases)']);
  });

  it('lists the purchases not recorded and exits 1', async () => {
    await writeFile(join(dir, 'purchases.json'), JSON.stringify({ purchases: [{ orderId: 'a-1' }, { orderId: 'a-2' }, { orderId: 'a-3' }] }));
    const statuses: Record<string, string> = { 'a-1': 'recorded', 'a-2': 'currency_mismatch', 'a-3': 'unknown_lead' };
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: purchasesApi([], (orderId) => statuses[orderId] ?? 'recorded') });
    expect(await main(['purchases', 'import', join(dir, 'purchases.json')], run.io)).toBe(1);
    expect(run.out.slice(1)).toEqual(["recorded 1, currency_mismatch 1, unknown_lead 1 (3 purchases)\n  a-2: currency_mismatch (The lead's purchases are in EUR)\n  a-3: unknown_lead"]);
    expect(run.err).toEqual(['2 of 3 purchases not recorded']);
  });

  it('repeats a batch the API could not finish (503)', async () => {
    await writeFile(join(dir, 'retry.json'), JSON.stringify([{ orderId: 'r-1' }]));
    const batches: { purchases: Record<string, unknown>[] }[] = [];
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: purchasesApi(batches, () => 'recorded', [503, 503]), pollMs: 1 });
    expect(await main(['purchases', 'import', join(dir, 'retry.json')], run.io)).toBe(0);
    expect(batches).toHaveLength(1);
  });

  it('names the line of the CSV the API refused', async () => {
    await writeFile(join(dir, 'bad.csv'), [header, ...rows(120)].join('\n'));
    const refusing = (async (_url: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const batch = JSON.parse(String(init?.body)) as { purchases: { orderId: string }[] };
      if (batch.purchases[0]?.orderId === 'ord-0') return new Response(JSON.stringify(purchasesRecorded(batch.purchases.map(({ orderId }) => ({ orderId, status: 'recorded' })))), { status: 200 });
      return new Response(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'purchases[3].amount', message: 'must be more than 0' }] }), { status: 400 });
    }) as typeof fetch;
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: refusing });
    expect(await main(['purchases', 'import', join(dir, 'bad.csv')], run.io)).toBe(1);
    expect(run.err.join('\n')).toBe(`${join(dir, 'bad.csv')}: purchases 101-120 refused (400); the 100 purchases before it were sent\n  line 105 amount: must be more than 0`);
  });

  it('refuses a CSV whose header names an unknown column', async () => {
    await writeFile(join(dir, 'columns.csv'), 'orderId,email,price\no-1,a@example.com,5');
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' } });
    expect(await main(['purchases', 'import', join(dir, 'columns.csv')], run.io)).toBe(1);
    expect(run.err.join('\n')).toMatch(/unknown: price/);
  });

  it('reads quoted CSV fields with commas, doubled quotes and line breaks, and names the line a refused row starts on', async () => {
    await writeFile(join(dir, 'quoted.csv'), '\uFEFForderId,email,product,amount\r\n"q-1",a@example.com,"Pro, ""yearly""\nplan",5\n\nq-2,b@example.com,Basic,x\n');
    const batches: { purchases: Record<string, unknown>[] }[] = [];
    const refusing = (async (_url: Parameters<typeof fetch>[0], init?: RequestInit) => {
      batches.push(JSON.parse(String(init?.body)) as { purchases: Record<string, unknown>[] });
      return new Response(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'purchases[1].amount', message: 'must be a number' }] }), { status: 400 });
    }) as typeof fetch;
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' }, fetch: refusing });
    expect(await main(['purchases', 'import', join(dir, 'quoted.csv')], run.io)).toBe(1);
    expect(batches[0]?.purchases).toEqual([
      { orderId: 'q-1', email: 'a@example.com', product: 'Pro, "yearly"\nplan', amount: 5 },
      { orderId: 'q-2', email: 'b@example.com', product: 'Basic', amount: 'x' },
    ]);
    expect(run.err.join('\n')).toBe(`${join(dir, 'quoted.csv')}: purchases 1-2 refused (400)\n  line 5 amount: must be a number`);
  });

  it('refuses a CSV that is not valid CSV, naming the line', async () => {
    await writeFile(join(dir, 'broken.csv'), 'orderId,email\no-1,"a@example.com"x\n');
    const run = io({ env: { LEADFLOW_DEV_TOKEN: 't' } });
    expect(await main(['purchases', 'import', join(dir, 'broken.csv')], run.io)).toBe(1);
    expect(run.err.join('\n')).toMatch(/broken\.csv: not valid CSV: .*line 2/);
  });
});
