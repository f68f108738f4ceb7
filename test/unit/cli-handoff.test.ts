import { describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

type Seen = { method: string; url: string; body: unknown };
/** An admin API that answers each request with the next canned response, recording what it was asked. */
function api(seen: Seen[], responses: { status: number; body: unknown }[]) {
  return (async (url: Parameters<typeof fetch>[0], init?: RequestInit) => {
    seen.push({ method: String(init?.method), url: String(url), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const next = responses.shift() ?? { status: 500, body: { message: 'unexpected request' } };
    return new Response(JSON.stringify(next.body), { status: next.status });
  }) as typeof fetch;
}

function io(fetchImpl: typeof fetch) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env: { LEADFLOW_DEV_TOKEN: 't' }, cwd: '.', fetch: fetchImpl } satisfies CliIo };
}

const LEAD = '7f3e2d1c-0b9a-4876-8543-210fedcba987';

describe('leadflow leads feedback', () => {
  it('sends won with its reason, amount, currency and billing, and prints the move', async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, [{
      status: 200,
      body: {
        leadId: LEAD,
        stage: 'customer',
        transition: { from: 'opportunity', to: 'customer', cause: 'won', actor: 'rep-7', at: '2026-11-25T10:00:00.000Z', reason: 'product_fit' },
        deal: { amount: 1200.5, currency: 'USD', billingFrequency: 'yearly' },
      },
    }]));
    const argv = ['leads', 'feedback', LEAD, 'won', '--reason', 'product_fit', '--amount', '1200.50', '--currency', 'USD', '--billing', 'yearly', '--actor', 'rep-7'];
    expect(await main(argv, run.io)).toBe(0);
    expect(seen).toEqual([{
      method: 'POST',
      url: `http://localhost:3000/v1/admin/leads/${LEAD}/feedback`,
      body: { action: 'won', actor: 'rep-7', reason: 'product_fit', amount: 1200.5, currency: 'USD', billingFrequency: 'yearly' },
    }]);
    expect(run.out).toEqual([`lead ${LEAD}: opportunity -> customer`]);
  });

  it('says what the stage allows when the move is refused, exit code 1', async () => {
    const run = io(api([], [{ status: 409, body: { message: 'x', stage: 'mql', requested: 'customer', allowed: ['sql', 'recycled', 'disqualified'] } }]));
    expect(await main(['leads', 'feedback', LEAD, 'won', '--reason', 'price', '--amount', '5', '--currency', 'USD', '--billing', 'monthly', '--actor', 'rep-7'], run.io)).toBe(1);
    expect(run.err.join('\n')).toBe(`lead ${LEAD} is mql: won is not allowed; from mql it can move to sql, recycled, disqualified`);
  });

  it('shows the field at fault for a reason not on the list, and needs --actor before sending anything', async () => {
    const run = io(api([], [{ status: 400, body: { message: 'Invalid request: reason must be one of ...', issues: [{ field: 'reason', message: 'must be one of the reject reasons: no_budget' }] } }]));
    expect(await main(['leads', 'feedback', LEAD, 'reject', '--reason', 'meh', '--actor', 'rep-7'], run.io)).toBe(1);
    expect(run.err.join('\n')).toContain('reason: must be one of the reject reasons: no_budget');
    const seen: Seen[] = [];
    const noActor = io(api(seen, []));
    expect(await main(['leads', 'feedback', LEAD, 'accept'], noActor.io)).toBe(1);
    expect(seen).toEqual([]);
  });
});

describe('leadflow reports handoff', () => {
  it('asks for the months given and prints the funnel, rates and reasons', async () => {
    const seen: Seen[] = [];
    const report = {
      months: { from: '2026-10', to: '2026-11' },
      funnel: [{ month: '2026-10', entered: { subscriber: 3, mql: 4, sql: 2 } }, { month: '2026-11', entered: { mql: 1, customer: 1 } }],
      conversion: [
        {
          from: 'mql', to: 'sql', entered: 5, converted: 2, ratePercent: 40,
          byMonth: [{ month: '2026-10', entered: 4, converted: 2, ratePercent: 50 }, { month: '2026-11', entered: 1, converted: 0, ratePercent: 0 }],
        },
      ],
      cohorts: [{ week: '2026-10-26', created: 4, mql: 2, sql: 1, won: 0, mqlPercent: 50, sqlPercent: 25, wonPercent: 0, medianDaysToMql: 3.5 }],
      timeToMql: { leads: 5, medianDays: 3.5, p90Days: 12 },
      mqlAcceptance: { accepted: 2, rejected: 1, ratePercent: 66.67 },
      won: [{ reason: 'product_fit', count: 1, amounts: { USD: 12000 } }],
      lost: [],
    };
    const run = io(api(seen, [{ status: 200, body: report }]));
    expect(await main(['reports', 'handoff', '--from', '2026-10', '--to', '2026-11'], run.io)).toBe(0);
    expect(seen[0]?.url).toBe('http://localhost:3000/v1/admin/reports/handoff?from=2026-10&to=2026-11');
    const text = run.out.join('\n');
    expect(text).toContain('handoff 2026-10 .. 2026-11');
    expect(text).toMatch(/2026-10\s+3\s+0\s+4\s+2/);
    expect(text).toContain('mql->sql');
    // Per cohort month, then the window's total.
    expect(text).toMatch(/2026-10\s+50% \(2\/4\)/);
    expect(text).toMatch(/2026-11\s+0% \(0\/1\)/);
    expect(text).toMatch(/total\s+40% \(2\/5\)/);
    expect(text).toContain('time to MQL: median 3.5 days, p90 12 days (5 leads)');
    expect(text).toContain('MQL acceptance: 66.67% (2 accepted, 1 rejected)');
    expect(text).toContain('USD 12,000');
  });
});

describe('leadflow leads backfill-score-bands', () => {
  it('calls the backfill page after page until there is no cursor, and prints the running counts', async () => {
    const seen: Seen[] = [];
    const run = io(api(seen, [
      { status: 200, body: { scanned: 200, filed: 150, nextCursor: 'c1' } },
      { status: 200, body: { scanned: 40, filed: 3 } },
    ]));
    expect(await main(['leads', 'backfill-score-bands'], run.io)).toBe(0);
    expect(seen).toEqual([
      { method: 'POST', url: 'http://localhost:3000/v1/admin/score-bands/backfill', body: {} },
      { method: 'POST', url: 'http://localhost:3000/v1/admin/score-bands/backfill', body: { cursor: 'c1' } },
    ]);
    expect(run.out).toEqual([
      '200 leads looked at, 150 filed under their score band (resume with --from c1)',
      '240 leads looked at, 153 filed under their score band',
      'every scored lead has its score band: the list sorted by score is exact',
    ]);
  });
});
